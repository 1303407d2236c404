import { OrdersService } from './orders.service';

describe('OrdersService', () => {
  it('throws for unknown orders', () => {
    const service = new OrdersService();
    console.log('checking unknown order');
    expect(() => service.findOne('missing')).toThrow();
  });
});
