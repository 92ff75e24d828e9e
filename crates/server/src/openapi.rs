//! The OpenAPI 3.1 document, generated from the route list (`routes::all`) and the schemas of
//! the bodies below, so it cannot drift from the router.

use crate::routes::{self, Access};
use serde_json::{Value, json};

fn schemas() -> Value {
    let num = json!({ "type": "number" });
    let text = json!({ "type": "string" });
    let int = json!({ "type": "integer" });
    json!({
        "Error": {
            "type": "object",
            "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                "code": { "type": "string", "description": "stable code: unauthenticated, forbidden, not_found, invalid, csrf, rate_limited, bad_credentials, internal" },
                "message": { "type": "string", "description": "in the caller's language" },
                "field": { "type": "string", "description": "the first offending field" },
                "fields": { "type": "array", "items": { "type": "object", "properties": {
                    "field": text, "code": text, "message": text } } }
            } } }
        },
        "Login": { "type": "object", "required": ["username", "password"], "properties": { "username": text, "password": text } },
        "Token": { "type": "object", "properties": { "token": text, "expires_in_seconds": int } },
        "Park": { "type": "object", "properties": {
            "id": int, "code": text, "name": text, "township_code": text, "township": text,
            "status": { "enum": ["planned", "new", "under_construction", "completed"] },
            "land_mu": num, "building_area_m2": num, "building_area_wan_m2": num, "leading_industries": text,
            "enterprise_count": int,
            "development_model": { "enum": ["industrial_real_estate", "state_owned_build", "government_led_self_build", "leading_enterprise", "joint_build", "undecided"] },
            "park_type": { "enum": ["manufacturing", "service", "mixed"] },
            "progress_note": text, "lat": num, "lon": num, "created_at": int, "updated_at": int } },
        "ParkInput": { "type": "object",
            "required": ["name", "township_code", "status", "land_mu", "building_area_m2", "leading_industries", "enterprise_count", "development_model", "park_type"],
            "properties": { "name": text, "township_code": text, "status": text, "land_mu": num,
                "building_area_m2": num, "leading_industries": text, "enterprise_count": int,
                "development_model": text, "park_type": text, "progress_note": text, "lat": num, "lon": num } },
        "Building": { "type": "object", "properties": { "id": int, "park_id": int, "name": text, "floors": int, "generated": { "type": "boolean" } } },
        "BuildingInput": { "type": "object", "required": ["name", "floors"], "properties": { "name": text, "floors": int } },
        "Unit": { "type": "object", "properties": { "id": int, "park_id": int, "building_id": int, "floor": int, "number": text,
            "area_m2": num, "space_type": { "enum": ["production", "non_production"] }, "generated": { "type": "boolean" } } },
        "UnitInput": { "type": "object", "required": ["building_id", "floor", "number", "area_m2", "space_type"],
            "properties": { "building_id": int, "floor": int, "number": text, "area_m2": num, "space_type": text } },
        "ProgressReportInput": { "type": "object", "required": ["month"], "properties": {
            "month": { "type": "string", "description": "YYYY-MM" }, "land_supplied_mu": num, "started_mu": num,
            "completed_wan_m2": num, "enterprises_moved_in": int, "investment_wan": num, "problems": text } },
        "PlanInput": { "type": "object", "required": ["year"], "properties": { "year": int, "land_supply_mu": num,
            "construction_start_mu": num, "completion_wan_m2": num, "output_yi": num } },
        "MilestoneInput": { "type": "object", "required": ["phase", "kind"], "properties": { "phase": text,
            "kind": { "enum": ["land_supplied", "construction_started", "completed", "moved_in", "production"] },
            "planned_date": { "type": "string", "description": "YYYY-MM-DD" }, "actual_date": { "type": "string", "description": "YYYY-MM-DD" } } },
        "EnterpriseInput": { "type": "object", "required": ["name", "credit_code", "industry_code", "size"], "properties": {
            "name": text, "credit_code": { "type": "string", "description": "18 characters, GB 32100-2015" },
            "credit_override": { "type": "string", "description": "why a code failing the check character is accepted" },
            "legal_representative": text, "contact": text, "industry_code": { "type": "string", "description": "GB/T 4754-2017 class, e.g. C3411" },
            "size": { "enum": ["above", "below"] }, "tags": { "type": "string", "description": "tech_based, specialized, high_tech, upgraded, export, brand, startup" },
            "entry_date": { "type": "string", "description": "YYYY-MM-DD" } } },
        "File": { "type": "string", "format": "binary", "description": "the .xlsx or .csv file, as the raw body" },
        "Password": { "type": "object", "required": ["password"], "properties": { "password": text } },
        "Lang": { "type": "object", "required": ["lang"], "properties": { "lang": { "enum": ["zh-CN", "en"] } } },
        "UserInput": { "type": "object", "required": ["username", "display_name", "role", "password"],
            "properties": { "username": text, "display_name": text, "role": { "enum": ["county", "township", "operator", "enterprise"] },
                "scope": { "type": "string", "description": "township code or name, park id or code, or enterprise id, by role" },
                "password": text } }
    })
}

fn body_schema(method: &str, path: &str) -> Option<&'static str> {
    match (method, path) {
        ("POST", "/api/v1/auth/login") => Some("Login"),
        ("POST", "/api/v1/parks") | ("PUT", "/api/v1/parks/{id}") => Some("ParkInput"),
        ("POST", "/api/v1/parks/{id}/buildings") | ("PUT", "/api/v1/buildings/{id}") => Some("BuildingInput"),
        ("POST", "/api/v1/parks/{id}/units") | ("PUT", "/api/v1/units/{id}") => Some("UnitInput"),
        ("POST", "/api/v1/users") => Some("UserInput"),
        ("POST", "/api/v1/import/{file}") => Some("File"),
        ("POST", "/api/v1/parks/{id}/enterprises") | ("PUT", "/api/v1/enterprises/{id}") => Some("EnterpriseInput"),
        ("POST", "/api/v1/users/{id}/password") => Some("Password"),
        ("PUT", "/api/v1/me/lang") => Some("Lang"),
        ("POST", "/api/v1/parks/{id}/reports") => Some("ProgressReportInput"),
        ("PUT", "/api/v1/parks/{id}/plans") => Some("PlanInput"),
        ("POST", "/api/v1/parks/{id}/milestones") => Some("MilestoneInput"),
        _ => None,
    }
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (spec, _) in routes::all() {
        let Some(tag) = spec.tag else { continue };
        let mut op = json!({
            "summary": spec.summary,
            "tags": [tag],
            "operationId": format!("{} {}", spec.method, spec.path),
            "responses": {
                "200": { "description": "OK" },
                "401": { "description": "Not logged in", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "403": { "description": "Outside the caller's role", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "404": { "description": "Not found or outside the caller's scope", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "422": { "description": "Invalid input, naming the field", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
        });
        if spec.access == Access::Public {
            op["security"] = json!([]);
        }
        if spec.path.contains("{file}") {
            op["parameters"] = json!([{ "name": "file", "in": "path", "required": true, "schema": { "type": "string" },
                "description": "parks|plans|progress|enterprises|reports, then .xlsx or .csv" }]);
        }
        if spec.path.contains("{id}") {
            op["parameters"] =
                json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }]);
        }
        if let Some(schema) = body_schema(spec.method, spec.path) {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": {
                "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
        }
        let entry = paths.entry(spec.path.to_string()).or_insert_with(|| json!({}));
        entry[spec.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Weiyuan 微园 API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Small and micro enterprise parks. Authenticate with POST /api/v1/auth/login and send `Authorization: Bearer <token>`. Cookie-session writes need the X-CSRF-Token header." },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": { "schemas": schemas(), "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_route_is_documented_with_its_body() {
        let doc = super::document();
        for (spec, _) in crate::routes::all() {
            if spec.tag.is_none() {
                continue;
            }
            let op = &doc["paths"][spec.path][spec.method.to_lowercase()];
            assert!(op.is_object(), "{} {} missing", spec.method, spec.path);
            let writes_body = matches!(spec.method, "POST" | "PUT") && spec.path != "/api/v1/auth/logout";
            assert_eq!(op["requestBody"].is_object(), writes_body, "{} {} body", spec.method, spec.path);
        }
        assert_eq!(
            doc["paths"]["/api/v1/parks"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ParkInput"
        );
    }
}
