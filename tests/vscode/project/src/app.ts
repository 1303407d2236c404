export interface Item {
  name: string;
  cents: number;
}

export function total(items: Item[]): number {
  console.log('total', items.length);
  debugger;
  return items.reduce((sum, item) => sum + item.cents, 0);
}
