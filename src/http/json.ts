/**
 * JSON.parse that keeps ids exact: integers beyond 2^53 (and numbers JSON.parse would turn into Infinity,
 * like `1e400`) become strings holding the digits as sent, instead of a neighbouring float or null. Bodies
 * without a long number (nearly all) take JSON.parse directly, so the fast path costs one regex scan. The scan
 * looks only at number tokens (after `:`, `,` or `[`): hex ids and hashes in strings ("e3431ff5…") matched a
 * bare `e\d{3}` and sent most bodies down the slow path (6 % of a sync's CPU).
 */
const SUSPECT = /[:,[]\s*-?(?:\d{16}|[\d.]+[eE][+-]?\d{3})/;

export function parseJson(text: string): unknown {
  if (!SUSPECT.test(text)) return JSON.parse(text);
  return JSON.parse(quoteUnsafeNumbers(text));
}

function quoteUnsafeNumbers(text: string): string {
  let out = "";
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++;
        else break;
      }
      const token = text.slice(start, i);
      const value = Number(token);
      const integer = /^-?\d+$/.test(token);
      if ((integer && !Number.isSafeInteger(value)) || !Number.isFinite(value)) {
        out += `${text.slice(copied, start)}"${token}"`;
        copied = i;
      }
    } else i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
