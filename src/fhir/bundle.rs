//! Parsing FHIR JSON: a Bundle (document, transaction, collection,
//! searchset, ...) or a single resource, keeping each resource's exact bytes.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The largest FHIR file hrx reads (a real patient summary is far smaller).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// One resource from the input.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `resourceType`.
    pub kind: String,
    /// `id`, if any.
    pub id: Option<String>,
    /// The bundle entry's `fullUrl`, if any.
    pub full_url: Option<String>,
    /// The resource as parsed.
    pub json: Value,
    /// The resource exactly as it was in the input.
    pub original: String,
}

impl Resource {
    /// The identity used to recognise the same resource on re-import.
    pub fn identity(&self) -> String {
        match (&self.id, &self.full_url) {
            (Some(id), _) => format!("{}/{id}", self.kind),
            (None, Some(u)) => u.clone(),
            (None, None) => format!("{}#{}", self.kind, self.original.len()),
        }
    }
}

/// A parsed input.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The bundle type, or `resource` for a single resource.
    pub bundle_type: String,
    /// The bundle's (or resource's) language, if given.
    pub language: Option<String>,
    /// Resources in order, duplicates removed.
    pub resources: Vec<Resource>,
    /// Identities that appeared more than once in the input (later copies skipped).
    pub duplicates: Vec<String>,
    /// Bundle entries whose resource could not be read as one (no
    /// `resourceType`, or not a string), as (where, why): skipped, so one
    /// broken entry never costs the rest of the bundle.
    pub unreadable: Vec<(String, String)>,
    /// fullUrls and `Type/id`s, to the resource's index.
    index: HashMap<String, usize>,
    /// Contained resources by (their container's identity, their id).
    contained: HashMap<(String, String), Resource>,
    /// Resources of earlier imports into the same record, which this
    /// input may refer to (looked up, never imported again).
    earlier: Vec<Resource>,
    /// The reference each was known by in its import.
    earlier_index: HashMap<String, usize>,
    /// (type, system, value) of every identifier, to (an earlier import's?,
    /// index): the first resource that has it.
    by_identifier: HashMap<(String, String, String), (bool, usize)>,
}

impl Parsed {
    /// Resolves a reference made by `from`, as FHIR defines them: `#id` (a
    /// resource contained in `from`), `urn:uuid:...`, relative `Type/id`,
    /// absolute URLs (by fullUrl, else by their `Type/id` tail) and any of
    /// these versioned (`.../_history/n`, the version is not checked: a
    /// bundle holds one version of each resource).
    /// A resource of an earlier import, then, is found the same way.
    pub fn resolve(&self, from: &Resource, reference: &str) -> Option<&Resource> {
        if let Some(id) = reference.strip_prefix('#') {
            return self.contained.get(&(from.identity(), id.to_string()));
        }
        // An earlier import's resource answers only to the very reference
        // it was known by there: `Patient/1` of another server is another
        // resource.
        lookup(&self.index, &self.resources, reference).or_else(|| {
            let unversioned = reference.find("/_history/").map_or(reference, |i| &reference[..i]);
            self.earlier_index.get(unversioned).map(|&i| &self.earlier[i])
        })
    }

    /// Resolves a FHIR Reference (the object): its `reference` (see
    /// [`Parsed::resolve`]), or else its `identifier` (a logical
    /// reference), matched against the identifiers of this input's
    /// resources and then of earlier imports', of the `type` it names if
    /// it names one.
    pub fn resolve_reference(&self, from: &Resource, reference: &Value) -> Option<&Resource> {
        if let Some(r) = reference.get("reference").and_then(Value::as_str) {
            return self.resolve(from, r);
        }
        // Only a whole logical reference: an identifier value alone (a
        // practitioner's number that is also a patient's MRN) names no one.
        let id = reference.get("identifier")?;
        let value = id.get("value").and_then(Value::as_str)?;
        let system = id.get("system").and_then(Value::as_str)?;
        let kind = reference.get("type").and_then(Value::as_str)?;
        self.by_identifier
            .get(&(kind.to_string(), system.to_string(), value.to_string()))
            .map(|&(earlier, i)| if earlier { &self.earlier[i] } else { &self.resources[i] })
    }

    /// Adds the resources of earlier imports into the same record, for
    /// references to them.
    pub fn add_earlier(&mut self, earlier: Vec<Resource>) {
        let mut m = HashMap::new();
        for (i, r) in earlier.iter().enumerate() {
            if let Some(k) = r.full_url.clone().or_else(|| r.id.as_ref().map(|id| format!("{}/{id}", r.kind))) {
                m.entry(k).or_insert(i);
            }
            for k in identifiers(r) {
                self.by_identifier.entry(k).or_insert((true, i));
            }
        }
        self.earlier = earlier;
        self.earlier_index = m;
    }

    /// Builds the lookup tables, once all resources are in.
    fn build_index(&mut self) {
        let mut m = HashMap::new();
        let mut contained = HashMap::new();
        for (i, r) in self.resources.iter().enumerate() {
            for k in keys(r) {
                m.insert(k, i);
            }
            for k in identifiers(r) {
                self.by_identifier.entry(k).or_insert((false, i));
            }
            for c in r.json.get("contained").and_then(Value::as_array).into_iter().flatten() {
                let (Some(kind), Some(id)) =
                    (c.get("resourceType").and_then(Value::as_str), c.get("id").and_then(Value::as_str))
                else {
                    continue;
                };
                let original = c.to_string();
                contained.insert(
                    (r.identity(), id.to_string()),
                    Resource { kind: kind.into(), id: Some(id.into()), full_url: None, json: c.clone(), original },
                );
            }
        }
        self.index = m;
        self.contained = contained;
    }
}

/// What a resource answers to: its fullUrl (an absolute one also by its
/// `Type/id` tail) and its `Type/id`.
fn keys(r: &Resource) -> Vec<String> {
    let mut out = vec![];
    if let Some(u) = &r.full_url {
        out.push(u.clone());
        // A fullUrl like https://example.org/fhir/Patient/1 also answers to Patient/1.
        let parts: Vec<&str> = u.rsplitn(3, '/').collect();
        if parts.len() >= 2 && !u.starts_with("urn:") {
            out.push(format!("{}/{}", parts[1], parts[0]));
        }
    }
    if let Some(id) = &r.id {
        out.push(format!("{}/{id}", r.kind));
    }
    out
}

/// (type, system, value) of each identifier a resource has.
fn identifiers(r: &Resource) -> Vec<(String, String, String)> {
    r.json
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some((r.kind.clone(), i.get("system")?.as_str()?.to_string(), i.get("value")?.as_str()?.to_string()))
        })
        .collect()
}

/// A reference looked up in one index: by itself, unversioned, and an
/// absolute URL by its `Type/id` tail.
fn lookup<'a>(index: &HashMap<String, usize>, resources: &'a [Resource], reference: &str) -> Option<&'a Resource> {
    let unversioned = reference.find("/_history/").map_or(reference, |i| &reference[..i]);
    if let Some(&i) = index.get(unversioned) {
        return Some(&resources[i]);
    }
    if unversioned.starts_with("urn:") {
        return None;
    }
    let parts: Vec<&str> = unversioned.rsplitn(3, '/').collect();
    if parts.len() < 2 {
        return None;
    }
    index.get(&format!("{}/{}", parts[1], parts[0])).map(|&i| &resources[i])
}

/// A resource kept in an entry (its original, byte for byte), as the
/// resource an earlier import read; `known_as` is the reference it was
/// known by there (a fullUrl or `Type/id`).
pub fn earlier_resource(original: &str, known_as: &str) -> Option<Resource> {
    let json: Value = serde_json::from_str(original).ok()?;
    let kind = json.get("resourceType")?.as_str()?.to_string();
    let id = json.get("id").and_then(Value::as_str).map(str::to_string);
    let full_url = (known_as.contains(':')).then(|| known_as.to_string());
    Some(Resource { kind, id, full_url, json, original: original.to_string() })
}

#[derive(Deserialize)]
struct RawEntry<'a> {
    #[serde(rename = "fullUrl")]
    full_url: Option<String>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawBundle<'a> {
    #[serde(rename = "resourceType")]
    resource_type: String,
    // Not a string is as good as absent: never the bundle for it.
    #[serde(rename = "type")]
    bundle_type: Option<Value>,
    language: Option<Value>,
    // Each entry read on its own, so one malformed entry is skipped and
    // named instead of failing the file.
    #[serde(borrow, default)]
    entry: Vec<&'a RawValue>,
}

fn resource(raw: &RawValue, full_url: Option<String>) -> Result<Resource, String> {
    let json: Value = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
    let kind = json
        .get("resourceType")
        .and_then(Value::as_str)
        .ok_or_else(|| match json.get("resourceType") {
            None => "a resource without resourceType".to_string(),
            Some(_) => "a resource whose resourceType is not a string".to_string(),
        })?
        .to_string();
    let id = json.get("id").and_then(Value::as_str).map(str::to_string);
    Ok(Resource { kind, id, full_url, json, original: raw.get().to_string() })
}

/// At most 200 characters of `s`: a reason quotes the input, which may be
/// any size.
fn short(s: &str) -> String {
    match s.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &s[..at]),
        None => s.to_string(),
    }
}

/// Parses FHIR JSON text.
pub fn parse(text: &str) -> Result<Parsed, String> {
    if text.len() > MAX_BYTES {
        return Err(format!(
            "{} bytes is more than hrx reads from one FHIR file ({} MB)",
            text.len(),
            MAX_BYTES / 1024 / 1024
        ));
    }
    let top: &RawValue = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let probe: Value = serde_json::from_str(top.get()).map_err(|e| format!("not valid JSON: {e}"))?;
    let rt = match probe.get("resourceType") {
        None => return Err("not FHIR: no resourceType at the top".into()),
        Some(v) => v.as_str().ok_or("not FHIR: the resourceType at the top is not a string")?,
    };
    let mut out = Parsed::default();
    if rt != "Bundle" {
        out.bundle_type = "resource".into();
        out.language = probe.get("language").and_then(Value::as_str).map(str::to_string);
        out.resources.push(resource(top, None)?);
        out.build_index();
        return Ok(out);
    }
    let b: RawBundle = serde_json::from_str(text).map_err(|e| format!("not a valid Bundle: {e}"))?;
    debug_assert_eq!(b.resource_type, "Bundle");
    out.bundle_type = b.bundle_type.as_ref().and_then(Value::as_str).unwrap_or("unknown").to_string();
    out.language = b.language.as_ref().and_then(Value::as_str).map(str::to_string);
    let mut seen = std::collections::HashSet::new();
    for (i, e) in b.entry.into_iter().enumerate() {
        let e: RawEntry = match serde_json::from_str(e.get()) {
            Ok(e) => e,
            Err(why) => {
                out.unreadable.push((format!("entry {i}"), short(&format!("not a bundle entry: {why}"))));
                continue;
            }
        };
        let Some(raw) = e.resource else { continue };
        let where_ = match &e.full_url {
            Some(u) => format!("entry {i} ({})", short(u)),
            None => format!("entry {i}"),
        };
        let r = match resource(raw, e.full_url) {
            Ok(r) => r,
            Err(why) => {
                out.unreadable.push((where_, why));
                continue;
            }
        };
        if !seen.insert(r.identity()) {
            out.duplicates.push(r.identity());
            continue;
        }
        out.resources.push(r);
    }
    out.build_index();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_bytes_and_resolves_references() {
        let text = r#"{"resourceType":"Bundle","type":"collection","entry":[
            {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Medication","id":"m1",  "code":{"text":"X"}}},
            {"fullUrl":"urn:uuid:2","resource":{"resourceType":"Medication","id":"m1","code":{}}}]}"#;
        let p = parse(text).unwrap();
        assert_eq!(p.resources.len(), 1);
        assert_eq!(p.duplicates, ["Medication/m1"]);
        assert_eq!(p.resources[0].original, r#"{"resourceType":"Medication","id":"m1",  "code":{"text":"X"}}"#);
        let from = &p.resources[0];
        assert!(p.resolve(from, "urn:uuid:1").is_some());
        assert!(p.resolve(from, "Medication/m1").is_some());
        assert!(p.resolve(from, "Medication/m1/_history/3").is_some());
        assert!(p.resolve(from, "https://other.example/fhir/Medication/m1").is_some());
        assert!(p.resolve(from, "Medication/zz").is_none());
        assert!(p.resolve(from, "urn:uuid:zz").is_none());
        assert!(p.resolve(from, "#m1").is_none(), "contains nothing");
        let broken = r#"{"resourceType":"Bundle","type":"collection","entry":[
            {"fullUrl":"urn:uuid:a","resource":{"resourceType":7}},
            {"resource":{"id":"x"}},
            {"fullUrl":7,"resource":{"resourceType":"Medication","id":"m3"}},
            "not an entry",
            {"resource":{"resourceType":"Medication","id":"m2"}}]}"#;
        let p = parse(broken).unwrap();
        assert_eq!(p.resources.len(), 1);
        assert_eq!(p.unreadable.len(), 4, "{:?}", p.unreadable);
        assert_eq!(p.unreadable[0].0, "entry 0 (urn:uuid:a)");
        assert!(p.unreadable[0].1.contains("not a string"), "{:?}", p.unreadable);
        assert!(p.unreadable[1].1.contains("without resourceType"), "{:?}", p.unreadable);
        assert!(parse(r#"{"resourceType":7}"#).is_err(), "a single resource must say what it is");
        assert!(parse("{").is_err());
        assert!(parse(r#"{"a":1}"#).is_err());
    }
}
