/**
 * Collects items added in one turn of the event loop and writes them together at its end (`setImmediate`), with
 * one call of `write`. Every `add` of a turn resolves (or rejects) with that write. Under load one turn takes in
 * the replies of many drains at once, so bookkeeping written this way costs one Redis call a turn, not one an item.
 */
export class TurnBatch<T> {
  private items: T[] = [];
  private written: Promise<void> | undefined;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    this.items.push(item);
    this.written ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const items = this.items;
        this.items = [];
        this.written = undefined;
        this.write(items).then(resolve, reject);
      });
    });
    return this.written;
  }
}
