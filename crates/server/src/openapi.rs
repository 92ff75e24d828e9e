//! The OpenAPI 3.1 document, generated from the route list (`routes::all`): paths and methods
//! from the list, queries, bodies and replies from each handler's own types (`routing`), their
//! schemas derived from the Rust types that read and write them — so it cannot drift from the
//! router or from what the handlers serialise.

use crate::error::ErrorReply;
use crate::routes::{self, Access};
use crate::routing::Body;
use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

/// Two generators: bodies and queries are described as the server reads them, replies as it
/// writes them (a field it may leave out is optional in a reply, one with a default in a body).
struct Generators {
    input: SchemaGenerator,
    output: SchemaGenerator,
}

impl Generators {
    fn new() -> Generators {
        let settings = || {
            SchemaSettings::draft2020_12().with(|s| {
                s.definitions_path = "/components/schemas".into();
                s.meta_schema = None;
            })
        };
        Generators {
            input: settings().for_deserialize().into_generator(),
            output: settings().for_serialize().into_generator(),
        }
    }

    /// The named types of both, in one map. A type read and written in different shapes keeps
    /// its name for the reply and is `<name>Input` for bodies and queries (`inputs` are renamed
    /// to match).
    fn schemas(mut self, inputs: &mut [&mut Value]) -> serde_json::Map<String, Value> {
        let mut all = self.output.take_definitions(true);
        let mut input = self.input.take_definitions(true);
        // Renaming one type changes the schemas that refer to it: repeat until nothing differs.
        // A new name is one neither map has (`ParkInput` may already be a type's own name).
        let mut renamed: Vec<(String, String)> = Vec::new();
        loop {
            let differing: Vec<String> = input
                .iter()
                .filter(|(k, v)| !renamed.iter().any(|(n, _)| n == *k) && all.get(*k).is_some_and(|o| o != *v))
                .map(|(k, _)| k.clone())
                .collect();
            if differing.is_empty() {
                break;
            }
            for name in differing {
                let taken = |n: &String| {
                    all.contains_key(n) || input.contains_key(n) || renamed.iter().any(|(_, new)| new == n)
                };
                let mut new = format!("{name}Input");
                for i in 2.. {
                    if !taken(&new) {
                        break;
                    }
                    new = format!("{name}Input{i}");
                }
                renamed.push((name, new));
            }
            input.values_mut().for_each(|v| rename_refs(v, &renamed));
        }
        for (name, new) in &renamed {
            let schema = input.remove(name).unwrap_or_default();
            input.insert(new.clone(), schema);
        }
        for value in inputs.iter_mut() {
            rename_refs(value, &renamed);
        }
        for (name, schema) in input {
            all.entry(name).or_insert(schema);
        }
        all
    }
}

/// Point the `$ref`s to renamed types at their new names (a ref already renamed stays).
fn rename_refs(value: &mut Value, renamed: &[(String, String)]) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/components/schemas/")
                && let Some((_, new)) = renamed.iter().find(|(n, _)| n == name)
            {
                *r = format!("#/components/schemas/{new}");
            }
            map.values_mut().for_each(|v| rename_refs(v, renamed));
        }
        Value::Array(list) => list.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}

/// The query parameters an object schema describes, one per property.
fn query_parameters(schema: &Value) -> Vec<Value> {
    let required: Vec<&str> =
        schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else { return Vec::new() };
    properties
        .iter()
        .map(|(name, property)| {
            let mut p = json!({ "name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": property });
            if let Some(d) = property.get("description") {
                p["description"] = d.clone();
            }
            p
        })
        .collect()
}

pub fn document() -> Value {
    let mut generators = Generators::new();
    let mut paths = serde_json::Map::new();
    let error = json!({ "application/json": { "schema": { "$ref": "#/components/schemas/ErrorReply" } } });
    generators.output.subschema_for::<ErrorReply>();
    for (spec, routed) in routes::all() {
        let Some(tag) = spec.tag else { continue };
        let shape = routed.shape;
        let answer = |d: &str| json!({ "description": d, "content": error });
        let mut op = json!({
            "summary": spec.summary,
            "tags": [tag],
            "operationId": format!("{} {}", spec.method, spec.path),
            "responses": {
                "400": answer("A body or query that cannot be read"),
                "401": answer("Not logged in"),
                "403": answer("Outside the caller's role"),
                "404": answer("Not found or outside the caller's scope"),
                "422": answer("Invalid input, naming the field")
            }
        });
        // What a success answers, by method, with the handler's reply; what else a write may answer.
        let reply = shape.reply.map(|f| f(&mut generators.output).to_value());
        let ok = |d: &str| match &reply {
            Some(schema) => json!({ "description": d, "content": { "application/json": { "schema": schema } } }),
            None => json!({ "description": d }),
        };
        match spec.method {
            "POST" => {
                op["responses"]["200"] = ok("Done");
                op["responses"]["201"] = ok("Created");
                op["responses"]["204"] = json!({ "description": "Done, nothing to answer" });
            }
            "DELETE" => op["responses"]["204"] = json!({ "description": "Deleted" }),
            "PUT" => {
                op["responses"]["200"] = ok("Saved");
                op["responses"]["204"] = json!({ "description": "Saved, nothing to answer" });
            }
            _ => op["responses"]["200"] = ok("OK"),
        }
        if spec.method != "GET" {
            op["responses"]["409"] = answer("Acted on a stale stage or version: what changed");
            op["responses"]["413"] = answer("The body is larger than the route accepts");
        }
        // A batch whose every reading was refused answers 422 with the batch's outcome.
        if spec.path == "/api/v1/telemetry"
            && let Some(outcome) = &reply
        {
            op["responses"]["422"] = json!({ "description": "Every reading refused (the outcome says why), or a body that is not a batch",
                "content": { "application/json": { "schema": { "anyOf": [outcome, { "$ref": "#/components/schemas/ErrorReply" }] } } } });
        }
        if spec.path == "/api/v1/auth/login" {
            op["responses"]["429"] = answer("Too many failed logins from this address or for this account");
        }
        if spec.access == Access::Public {
            op["security"] = json!([]);
        }
        let mut params = Vec::new();
        for name in path_parameters(spec.path) {
            let schema = if name == "file" || name == "*file" {
                json!({ "type": "string" })
            } else {
                json!({ "type": "integer" })
            };
            let mut p = json!({ "name": name, "in": "path", "required": true, "schema": schema });
            if name == "file" {
                p["description"] = json!("parks|plans|progress|enterprises|reports, then .xlsx or .csv");
            }
            params.push(p);
        }
        for query in &shape.queries {
            params.extend(query_parameters(&query(&mut generators.input).to_value()));
        }
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        match shape.body {
            Some(Body::Json(schema)) => {
                let schema = schema(&mut generators.input).to_value();
                op["requestBody"] =
                    json!({ "required": true, "content": { "application/json": { "schema": schema } } });
            }
            // A file travels as its own bytes, not as JSON.
            Some(Body::File) => {
                let file = json!({ "type": "string", "format": "binary", "description": "the file, as the raw body" });
                op["requestBody"] = json!({ "required": true, "content": {
                    "text/csv": { "schema": file },
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": file },
                    "application/octet-stream": { "schema": file }
                } });
            }
            None => {}
        }
        let entry = paths.entry(spec.path.to_string()).or_insert_with(|| json!({}));
        entry[spec.method.to_lowercase()] = op;
    }
    // Bodies and parameters point at the input names chosen once every schema is known.
    let mut inputs: Vec<&mut Value> = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|methods| methods.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|op| op.iter_mut().filter(|(k, _)| *k == "requestBody" || *k == "parameters").map(|(_, v)| v))
        .collect();
    let schemas = generators.schemas(&mut inputs);
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Weiyuan 微园 API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Small and micro enterprise parks. Authenticate with POST /api/v1/auth/login and send `Authorization: Bearer <token>`. Cookie-session writes need the X-CSRF-Token header." },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": { "schemas": schemas, "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } }
    })
}

/// The `{name}`s of a path, in order.
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name)).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(l) => l.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_api_route_is_documented_with_what_its_handler_reads_and_answers() {
        let doc = super::document();
        let mut untyped = Vec::new();
        for (spec, routed) in crate::routes::all() {
            if spec.tag.is_none() || spec.path == "/api/openapi.json" {
                continue;
            }
            let op = &doc["paths"][spec.path][spec.method.to_lowercase()];
            assert!(op.is_object(), "{} {} missing", spec.method, spec.path);
            assert_eq!(
                op["requestBody"].is_object(),
                routed.shape.body.is_some(),
                "{} {} body",
                spec.method,
                spec.path
            );
            // A JSON reply is described by a type, never as "any JSON".
            let ok = if spec.method == "POST" { "201" } else { "200" };
            let reply = &op["responses"][ok]["content"]["application/json"]["schema"];
            if *reply == Value::Bool(true) || *reply == serde_json::json!({}) {
                untyped.push(format!("{} {}", spec.method, spec.path));
            }
        }
        assert!(untyped.is_empty(), "replies of any shape: {untyped:#?}");
        let mut all = Vec::new();
        refs(&doc, &mut all);
        for r in all {
            let name = r.strip_prefix("#/components/schemas/").expect(r);
            assert!(doc["components"]["schemas"][name].is_object(), "{r} is not defined");
        }
    }

    #[test]
    fn bodies_queries_and_replies_come_from_the_handlers_types() {
        let doc = super::document();
        let schemas = &doc["components"]["schemas"];
        let resolve = |v: &Value| -> Value {
            match v["$ref"].as_str() {
                Some(r) => schemas[r.trim_start_matches("#/components/schemas/")].clone(),
                None => v.clone(),
            }
        };
        // The park form: what POST /api/v1/parks reads.
        let body =
            resolve(&doc["paths"]["/api/v1/parks"]["post"]["requestBody"]["content"]["application/json"]["schema"]);
        assert!(body["properties"]["land_mu"].is_object() && body["properties"]["township_code"].is_object(), "{body}");
        // The park: what it answers.
        let reply = resolve(
            &doc["paths"]["/api/v1/parks/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        );
        for field in ["id", "name", "land_mu", "status"] {
            assert!(reply["properties"][field].is_object(), "{field} in {reply}");
        }
        // A paged list declares its page and size.
        let params = doc["paths"]["/api/v1/enterprises"]["get"]["parameters"].as_array().expect("parameters");
        let names: Vec<&str> =
            params.iter().filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str()).collect();
        assert!(names.contains(&"page") && names.contains(&"size"), "{names:?}");
        // ... and its filter, read as a second query.
        assert!(names.contains(&"park_id") && names.contains(&"q"), "{names:?}");
        // An upload is a file, not JSON.
        let import = &doc["paths"]["/api/v1/import/{file}"]["post"]["requestBody"]["content"];
        assert!(import["text/csv"].is_object() && import["application/json"].is_null());
    }
}
