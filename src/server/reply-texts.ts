/**
 * Answer texts kept per immutable value: an answer built only from a cached value (the
 * service's margin results, server/prepared-books.ts) and a few request-dependent strings (its
 * `variant`: the model id, the warnings) has the same text every time, so it is serialized
 * once and the text reused (a 20-position book's margin answer is ~76 kB of JSON). Texts go
 * with their value (WeakMap); at most `perValue` variants per value (the warnings carry the
 * market's age, which moves with the clock), the oldest dropped first.
 */

/** `text(value, variant, build)`: `build()` the first time, the same text after. */
export type ReplyTexts = (value: object, variant: string, build: () => string) => string;

/** A store of answer texts (see module doc). */
export function replyTexts(perValue = 4): ReplyTexts {
  const byValue = new WeakMap<object, Map<string, string>>();
  return (value, variant, build) => {
    let texts = byValue.get(value);
    if (!texts) byValue.set(value, (texts = new Map()));
    let text = texts.get(variant);
    if (text === undefined) {
      text = build();
      if (texts.size >= perValue) texts.delete(texts.keys().next().value!);
      texts.set(variant, text);
    }
    return text;
  };
}
