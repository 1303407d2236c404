import { Injectable, Logger, NotFoundException } from '@nestjs/common';

export interface Order {
  id: string;
  total: number;
}

@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);
  private readonly orders = new Map<string, Order>();

  findOne(id: string): Order {
    console.log('looking up order', id);
    const order = this.orders.get(id);
    if (!order) {
      debugger;
      throw new NotFoundException(`order ${id} not found`);
    }
    return order;
  }
}
