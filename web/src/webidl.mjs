// The few WebIDL conversions the spec's IDL asks for, done by hand (a native binding would do
// them before the method body runs, so callers run these first).
// https://webidl.spec.whatwg.org/#es-type-mapping

export function typeError(message) {
  return new TypeError(`polyrtc: ${message}`);
}

export function domException(name, message) {
  return new DOMException(message, name);
}

// DOMString: ToString, which throws a TypeError for a Symbol.
export function toDOMString(value) {
  return `${value}`;
}

// USVString: a DOMString with lone surrogates replaced by U+FFFD.
export function toUSVString(value) {
  const s = toDOMString(value);
  if (typeof s.toWellFormed === 'function') return s.toWellFormed();
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export function toBoolean(value) {
  return Boolean(value);
}

export function toEnum(value, allowed, what) {
  const s = toDOMString(value);
  if (!allowed.includes(s)) throw typeError(`'${s}' is not a valid value for ${what} (one of ${allowed.join(', ')})`);
  return s;
}

// [EnforceRange] integer types: NaN, infinities and out-of-range values are a TypeError.
export function toEnforcedInteger(value, min, max, what) {
  const n = Number(value);
  if (!Number.isFinite(n)) throw typeError(`${what} must be a finite number`);
  const t = Math.trunc(n) || 0;
  if (t < min || t > max) throw typeError(`${what} is out of range [${min}, ${max}]`);
  return t;
}

export function toUnsignedShortEnforceRange(value, what) {
  return toEnforcedInteger(value, 0, 0xffff, what);
}

// unsigned long without [EnforceRange]: modulo 2^32.
export function toUnsignedLong(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n);
  return ((t % 0x100000000) + 0x100000000) % 0x100000000;
}

// A dictionary argument: undefined and null are the empty dictionary; other non-objects throw.
export function toDictionary(value, what) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function') throw typeError(`${what} must be an object`);
  return value;
}

export function requireArguments(args, count, what) {
  if (args.length < count) {
    throw typeError(`${what}: ${count} argument${count > 1 ? 's' : ''} required, but only ${args.length} present`);
  }
}

let encoder;
export function utf8Encode(s) {
  encoder ??= new TextEncoder();
  return encoder.encode(s);
}

// Length in bytes of the UTF-8 encoding of a USVString, without allocating it.
export function utf8Length(s) {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3; // BMP, and lone surrogates (encoded as U+FFFD)
  }
  return bytes;
}

export function isCallable(value) {
  return typeof value === 'function';
}
