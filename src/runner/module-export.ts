/**
 * How a module's export becomes an algorithm, the same in the main thread (config files) and in an
 * isolated worker: an object is used as it is, a class is constructed with the options, a function is
 * called with them (and may be async).
 */

/** Whether `fn` is a class (constructed with `new`) rather than a factory function. */
export function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * The instance an export stands for; `options` default to `{}`.
 *
 * @example
 * ```ts
 * await instantiateExport(class A { constructor(o) { this.o = o; } }, { k: 1 }); // new A({ k: 1 })
 * ```
 */
export async function instantiateExport(exported: unknown, options: unknown): Promise<unknown> {
  if (typeof exported !== 'function') return exported;
  if (isClass(exported)) return new (exported as new (o: unknown) => unknown)(options ?? {});
  return (exported as (o: unknown) => unknown)(options ?? {});
}
