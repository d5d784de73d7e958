// Opens a SMART Health Link as a receiver that has never heard of hrx
// would: reads the shlink:/ payload, fetches its file (flag U: GET the url
// with ?recipient=), decrypts the compact JWE with the key and inflates
// it if its header says zip DEF (the `jose` library), and prints the
// payload's fields and the plaintext as JSON. Trusts NODE_EXTRA_CA_CERTS.
//
//   node open-shl.mjs 'shlink:/...' 'Recipient name'
import { compactDecrypt, decodeProtectedHeader, base64url } from "jose";

const [link, recipient = "hrx test receiver"] = process.argv.slice(2);
const b64 = link.slice(link.indexOf("shlink:/") + "shlink:/".length);
const payload = JSON.parse(Buffer.from(b64, "base64url").toString("utf8"));
const key = base64url.decode(payload.key);
if (key.length !== 32) throw new Error(`the key is ${key.length} bytes`);
const flag = payload.flag ?? "";
if (!flag.includes("U")) throw new Error(`only U links are opened here, not ${flag}`);
const url = new URL(payload.url);
url.searchParams.set("recipient", recipient);
const res = await fetch(url);
if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
const jwe = (await res.text()).trim();
const header = decodeProtectedHeader(jwe);
// jose 4 inflates a payload whose header says zip DEF (jose 5 no longer can).
const { plaintext } = await compactDecrypt(jwe, key);
const body = Buffer.from(plaintext);
console.log(JSON.stringify({ payload, header, contentType: res.headers.get("content-type"), body: JSON.parse(body.toString("utf8")) }));
