export function report(lines: string[]): string {
  debugger;
  return lines.join('\n');
}
