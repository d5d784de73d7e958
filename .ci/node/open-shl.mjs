// Opens a SMART Health Link as a receiver that has never heard of hrx
// would, and prints what it got as JSON.
//
//   node open-shl.mjs LINK [RECIPIENT] [PASSCODE] [EMBEDDED_LENGTH_MAX]
//
// Reads the shlink:/ payload. Flag U: GETs the url with ?recipient=.
// Otherwise POSTs the manifest request ({recipient, passcode,
// embeddedLengthMax}) and takes each file embedded or from its location.
// Each compact JWE is decrypted with the link's key, and inflated if its
// header says zip DEF, by the `jose` library (jose 4: jose 5 cannot
// inflate). Trusts NODE_EXTRA_CA_CERTS. A refused manifest request is
// printed, not thrown: {"payload", "status", "refusal"}.
import { compactDecrypt, decodeProtectedHeader, base64url } from "jose";

const [link, recipient = "hrx test receiver", passcode, embeddedMax] = process.argv.slice(2);
const b64 = link.slice(link.indexOf("shlink:/") + "shlink:/".length);
const payload = JSON.parse(Buffer.from(b64, "base64url").toString("utf8"));
const key = base64url.decode(payload.key);
if (key.length !== 32) throw new Error(`the key is ${key.length} bytes`);
const flag = payload.flag ?? "";

async function open(jwe, served) {
  const header = decodeProtectedHeader(jwe);
  const { plaintext } = await compactDecrypt(jwe, key);
  const text = Buffer.from(plaintext).toString("utf8");
  return { header, served, body: header.cty?.includes("json") ? JSON.parse(text) : text };
}

if (flag.includes("U")) {
  const url = new URL(payload.url);
  url.searchParams.set("recipient", recipient);
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  const file = await open((await res.text()).trim(), { contentType: res.headers.get("content-type") });
  console.log(JSON.stringify({ payload, header: file.header, contentType: file.served.contentType, body: file.body }));
} else {
  const request = { recipient };
  if (passcode) request.passcode = passcode;
  if (embeddedMax) request.embeddedLengthMax = Number(embeddedMax);
  const res = await fetch(payload.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  if (res.status !== 200) {
    console.log(JSON.stringify({ payload, status: res.status, refusal: await res.json() }));
    process.exit(0);
  }
  const manifest = await res.json();
  const files = [];
  for (const f of manifest.files) {
    if (f.embedded !== undefined) {
      files.push(await open(f.embedded, { embedded: true, contentType: f.contentType }));
    } else {
      const r = await fetch(f.location);
      if (r.status !== 200) throw new Error(`GET ${f.location}: ${r.status}`);
      files.push(await open((await r.text()).trim(), { location: f.location, contentType: r.headers.get("content-type") }));
    }
  }
  console.log(JSON.stringify({ payload, status: 200, manifest, files, body: files[0]?.body, header: files[0]?.header }));
}
