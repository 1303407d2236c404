export function total(items: number[]): number {
  console.log('total', items.length);
  debugger;
  const sum = items.reduce((a, b) => a + b, 0);
  debugger;
  return sum;
}
