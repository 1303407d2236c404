export interface Item {
  name: string;
  cents: number;
}

export function total(items: Item[]): number {
  const label = '🛒 total'; console.log(label, items.length);
  debugger;
  return items.reduce((sum, item) => sum + item.cents, 0);
}
