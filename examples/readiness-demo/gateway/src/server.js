const express = require('express');
const cors = require('cors');
const { ordersRouter } = require('./routes/orders');

const app = express();
app.use(cors());
app.use(express.json());
app.use('/orders', ordersRouter);

app.get('/healthz', (_req, res) => res.json({ ok: true }));

app.listen(process.env.PORT || 8080, () => {
  console.log('gateway listening');
});
