// Validates FHIR R4 JSON files against the official R4 JSON Schema with a
// third-party validator. Prints one line per problem; exits 1 if any.
const Validator = require('@asymmetrik/fhir-json-schema-validator');
const fs = require('fs');
const v = new Validator();
let bad = 0;
for (const f of process.argv.slice(2)) {
  const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
  // validate() returns the list of errors, empty when the document is valid.
  const errors = v.validate(doc, true) || [];
  if (errors.length) {
    bad++;
    for (const e of errors) {
      console.log(typeof e === 'string' ? `${f}: ${e}` : `${f}: ${e.dataPath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
}
process.exit(bad ? 1 : 0);
