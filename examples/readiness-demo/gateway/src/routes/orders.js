const express = require('express');

const ordersRouter = express.Router();

ordersRouter.get('/:id', async (req, res) => {
  const response = await fetch(`${process.env.ORDERS_URL}/orders/${req.params.id}`);
  res.status(response.status).json(await response.json());
});

module.exports = { ordersRouter };
