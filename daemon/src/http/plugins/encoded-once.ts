/** Bodies of answers that are served many times unchanged (the verdict reader's), encoded to UTF-8 once each. */
const encoded = new WeakMap<object, Buffer>();

/** The answer's JSON as bytes: encoded at its first request, the same buffer for every later one. */
export function encodedOnce(answer: { readonly json: string }): Buffer {
  let body = encoded.get(answer);
  if (body === undefined) {
    body = Buffer.from(answer.json, 'utf8');
    encoded.set(answer, body);
  }
  return body;
}
