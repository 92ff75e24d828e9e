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
                "code": { "type": "string", "description": "stable code: unauthenticated, forbidden, not_found, invalid, refused, csrf, rate_limited, bad_credentials, internal" },
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
        "Empty": { "type": "object", "description": "no fields" },
        "RulesInput": { "type": "object", "required": ["reason"], "description": "every threshold of the rules (see GET /api/v1/rules) as numbers, leading_share_by count|area, report_required (field keys), and the reason for the change",
            "properties": { "reason": text, "leading_share_by": { "enum": ["count", "area"] }, "min_unit_area_m2": num, "max_rent_per_m2_month": num } },
        "NegativeInput": { "type": "object", "required": ["kind", "value"], "properties": { "kind": { "enum": ["code", "keyword"] }, "value": text, "note": text } },
        "OrientationInput": { "type": "object", "required": ["prefixes"], "properties": { "prefixes": { "type": "string", "description": "GB/T 4754 codes, e.g. C36, C3484" } } },
        "AdmissionInput": { "type": "object", "required": ["area_m2"], "description": "the enterprise's fields (as EnterpriseInput; not needed when an enterprise applies for itself) and the floor area it needs",
            "properties": { "area_m2": num, "name": text, "credit_code": text, "industry_code": text, "size": text } },
        "DecisionInput": { "type": "object", "required": ["decision"], "properties": { "decision": { "enum": ["approve", "reject", "send_back"] }, "reason": text } },
        "SaleInput": { "type": "object", "required": ["buyer_id", "unit_ids", "on_date"], "properties": { "buyer_id": int,
            "unit_ids": { "type": "string", "description": "unit ids, comma separated" }, "price_production": num, "price_non_production": num,
            "on_date": { "type": "string", "description": "YYYY-MM-DD" }, "note": text } },
        "LeaseInput": { "type": "object", "required": ["tenant_id", "unit_ids", "rent_per_m2_month", "on_date"], "properties": { "tenant_id": int,
            "unit_ids": text, "rent_per_m2_month": num, "on_date": text, "note": text } },
        "TransferInput": { "type": "object", "required": ["unit_ids", "on_date"], "properties": { "to_id": { "type": "integer", "description": "empty: the developer buys back" },
            "unit_ids": text, "price_per_m2": num, "on_date": text, "approval": text, "developer_declined": { "type": "string", "description": "on" }, "note": text } },
        "TakeBackInput": { "type": "object", "required": ["tenant_id", "kind", "on_date"], "properties": { "tenant_id": int,
            "kind": { "enum": ["lease_end", "sublet_takeback"] }, "on_date": text, "note": text } },
        "LotteryInput": { "type": "object", "required": ["title", "unit_ids", "applicants"], "properties": { "title": text, "unit_ids": text,
            "applicants": { "type": "string", "description": "credit codes, one per line" } } },
        "FiguresInput": { "type": "object", "required": ["year", "sales", "tax", "revenue", "investment"], "description": "元",
            "properties": { "year": int, "sales": num, "tax": num, "revenue": num, "investment": num } },
        "ExitStepInput": { "type": "object", "required": ["step"], "properties": { "step": { "enum": ["test", "warn", "rectified", "evict"] },
            "reason": text, "deadline": { "type": "string", "description": "YYYY-MM-DD" } } },
        "ReportInput": { "type": "object", "required": ["month"], "description": "money in 万元, electricity kWh, energy tce, water m³, employees, emissions t",
            "properties": { "month": { "type": "string", "description": "YYYY-MM" }, "output": num, "revenue": num, "sales": num, "tax": num,
                "tax_local": num, "profit": num, "electricity": num, "energy": num, "water": num, "employees": num, "rnd": num,
                "investment": num, "emissions": num, "value_added": num, "confirm": { "type": "string", "description": "on, to confirm a jump" }, "reason": text } },
        "Password": { "type": "object", "required": ["password"], "properties": { "password": text } },
        "TelemetryBatch": { "type": "object", "required": ["readings"], "description": "at most 10,000 readings; each authenticated by its device's token (its own, tokens[device], token, or the X-Device-Token header)",
            "properties": { "token": text, "tokens": { "type": "object", "additionalProperties": { "type": "string" } },
                "readings": { "type": "array", "items": { "type": "object", "required": ["device", "metric", "ts", "value"],
                    "properties": { "device": { "type": "string", "description": "the device's serial" }, "token": text, "metric": text,
                        "ts": { "description": "epoch milliseconds or seconds, or RFC 3339 text" }, "value": { "description": "a number, or true/false" } } } } } },
        "DeviceInput": { "type": "object", "required": ["kind", "serial", "name"], "properties": { "kind": text, "serial": text, "name": text,
            "building_id": int, "unit_id": int, "enterprise_id": int, "inactive": { "type": "string", "description": "on: stop accepting its readings" } } },
        "KindInput": { "type": "object", "required": ["code", "name", "metrics"], "properties": { "code": text, "name": text,
            "metrics": { "type": "string", "description": "one a line: key unit min max [counter]" } } },
        "ToleranceInput": { "type": "object", "required": ["tolerance"], "properties": { "tolerance": { "type": "number", "description": "% (0–100)" } } },
        "CommentInput": { "type": "object", "properties": { "comment": { "type": "string", "description": "required to clear by hand" } } },
        "AlarmRuleInput": { "type": "object", "required": ["name", "scope", "condition", "severity"], "properties": { "name": text,
            "scope": { "enum": ["device", "kind"] }, "device": { "type": "string", "description": "the device's serial (scope device)" },
            "kind": text, "park_id": { "type": "integer", "description": "scope kind: one park, or empty for every park (county)" },
            "metric": { "type": "string", "description": "not for no_data" }, "condition": { "enum": ["above", "below", "rate", "no_data", "event"] },
            "figure": { "type": "number", "description": "threshold, change per minute (rate) or minutes (no_data)" },
            "severity": { "enum": ["info", "warning", "critical"] },
            "escalate_minutes": { "type": "integer", "description": "0: never; empty: critical 5, warning 30, info never" },
            "inactive": { "type": "string", "description": "true: switched off" } } },
        "WebhookInput": { "type": "object", "required": ["name", "url"], "properties": { "name": text, "url": text,
            "format": { "enum": ["json", "dingtalk", "wecom"] }, "min_severity": { "enum": ["info", "warning", "critical"] } } },
        "Lang": { "type": "object", "required": ["lang"], "properties": { "lang": { "enum": ["zh-CN", "en"] } } },
        "MethodInput": { "type": "object", "required": ["method"], "properties": {
            "method": { "type": "object", "description": "as GET /api/v1/evaluation/method answers: scope, above, below (indicators with weight and benchmark {kind: county|fixed, value}, cutoffs {by: rank|score, shares, min_scores}), cap, sublet_deduction, ranking (all|division), policies" },
            "note": text } },
        "RunInput": { "type": "object", "required": ["first_month"], "properties": { "first_month": { "type": "string", "description": "YYYY-MM, the first of twelve months that have ended" } } },
        "ObjectionInput": { "type": "object", "required": ["enterprise_id", "reason"], "properties": { "enterprise_id": int, "reason": text } },
        "AnswerInput": { "type": "object", "required": ["decision", "answer"], "properties": { "decision": { "enum": ["accepted", "rejected"] }, "answer": text } },
        "LandInput": { "type": "object", "properties": { "land_mu": { "type": "number", "description": "own parcel, 亩; empty clears" }, "floor_area_m2": { "type": "number", "description": "floor area occupied where no unit records it, m²; empty clears" } } },
        "RubricInput": { "type": "object", "required": ["rubric"], "properties": {
            "rubric": { "type": "object", "description": "as GET /api/v1/grading/rubric answers: dimensions [{key, points, source {kind: measured, measure, target} | {kind: review}}], quotas, grace_years, support" },
            "note": text } },
        "StarInput": { "type": "object", "required": ["stars", "self_assessment"], "properties": { "stars": { "type": "integer", "description": "1–5" }, "self_assessment": text } },
        "StarDecisionInput": { "type": "object", "required": ["decision", "note"], "properties": { "decision": { "enum": ["endorse", "refuse", "award", "recommend"] }, "note": text } },
        "GradeInput": { "type": "object", "required": ["year"], "properties": { "year": int } },
        "ReviewInput": { "type": "object", "required": ["park_id", "dimension", "score", "evidence"], "properties": { "park_id": int, "dimension": text, "score": num, "evidence": text } },
        "UserInput": { "type": "object", "required": ["username", "display_name", "role", "password"],
            "properties": { "username": text, "display_name": text, "role": { "enum": weiyuan_domain::Role::ALL.map(|r| r.code()) },
                "scope": { "type": "string", "description": "township code or name, park id or code, enterprise id, or agency id or name, by role" },
                "password": text } }
    })
}

/// The shared schemas and those features declare beside their routes.
fn all_schemas() -> Value {
    let mut all = schemas();
    for feature in [
        crate::policies::schemas(),
        crate::services::schemas(),
        crate::cultivation::schemas(),
        crate::operation::schemas(),
        crate::supervision::schemas(),
    ] {
        if let (Some(all), Value::Object(more)) = (all.as_object_mut(), feature) {
            all.extend(more);
        }
    }
    all
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
        ("PUT", "/api/v1/rules") => Some("RulesInput"),
        ("POST", "/api/v1/negative-list") => Some("NegativeInput"),
        ("PUT", "/api/v1/parks/{id}/orientation") => Some("OrientationInput"),
        ("POST", "/api/v1/parks/{id}/admissions") | ("PUT", "/api/v1/admissions/{id}") => Some("AdmissionInput"),
        ("POST", "/api/v1/admissions/{id}/decision") => Some("DecisionInput"),
        ("POST", "/api/v1/parks/{id}/sales") => Some("SaleInput"),
        ("POST", "/api/v1/parks/{id}/leases") => Some("LeaseInput"),
        ("POST", "/api/v1/parks/{id}/transfers") => Some("TransferInput"),
        ("POST", "/api/v1/parks/{id}/takebacks") => Some("TakeBackInput"),
        ("POST", "/api/v1/parks/{id}/lotteries") => Some("LotteryInput"),
        ("POST", "/api/v1/lotteries/{id}/draw") => Some("Empty"),
        ("PUT", "/api/v1/enterprises/{id}/figures") => Some("FiguresInput"),
        ("POST", "/api/v1/enterprises/{id}/exit") => Some("ExitStepInput"),
        ("POST", "/api/v1/enterprises/{id}/reports") => Some("ReportInput"),
        ("POST", "/api/v1/telemetry") => Some("TelemetryBatch"),
        ("POST", "/api/v1/parks/{id}/devices") | ("PUT", "/api/v1/devices/{id}") => Some("DeviceInput"),
        ("POST", "/api/v1/devices/{id}/token") => Some("Empty"),
        ("POST", "/api/v1/device-kinds") => Some("KindInput"),
        ("PUT", "/api/v1/reconciliation/tolerance") => Some("ToleranceInput"),
        ("POST", "/api/v1/alarms/{id}/acknowledge" | "/api/v1/alarms/{id}/clear") => Some("CommentInput"),
        ("POST", "/api/v1/alarm-rules") | ("PUT", "/api/v1/alarm-rules/{id}") => Some("AlarmRuleInput"),
        ("POST", "/api/v1/notifications/read") => Some("Empty"),
        ("PUT", "/api/v1/evaluation/method") => Some("MethodInput"),
        ("POST", "/api/v1/evaluation/runs") => Some("RunInput"),
        ("POST", "/api/v1/evaluation/runs/{id}/objections") => Some("ObjectionInput"),
        ("POST", "/api/v1/evaluation/runs/{id}/objections/{objection_id}/answer") => Some("AnswerInput"),
        ("POST", "/api/v1/evaluation/runs/{id}/publish" | "/api/v1/gradings/{id}/publish") => Some("Empty"),
        ("PUT", "/api/v1/enterprises/{id}/land") => Some("LandInput"),
        ("PUT", "/api/v1/grading/rubric") => Some("RubricInput"),
        ("POST", "/api/v1/gradings") => Some("GradeInput"),
        ("POST", "/api/v1/gradings/{id}/reviews") => Some("ReviewInput"),
        ("POST", "/api/v1/parks/{id}/star-applications") => Some("StarInput"),
        ("POST", "/api/v1/star-applications/{id}/decision") => Some("StarDecisionInput"),
        ("POST", "/api/v1/webhooks") => Some("WebhookInput"),
        _ => crate::policies::body_schema(method, path)
            .or_else(|| crate::services::body_schema(method, path))
            .or_else(|| crate::cultivation::body_schema(method, path))
            .or_else(|| crate::operation::body_schema(method, path))
            .or_else(|| crate::supervision::body_schema(method, path)),
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
                "400": { "description": "A body or query that cannot be read", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "401": { "description": "Not logged in", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "403": { "description": "Outside the caller's role", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "404": { "description": "Not found or outside the caller's scope", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "422": { "description": "Invalid input, naming the field", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
        });
        // What a success answers, by method; what else a write may answer.
        let error = json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } });
        let ok = |d: &str| json!({ "description": d });
        match spec.method {
            "POST" => {
                op["responses"]["200"] = ok("Done");
                op["responses"]["201"] = ok("Created");
            }
            "DELETE" => op["responses"]["204"] = ok("Deleted"),
            "PUT" => {
                op["responses"]["200"] = ok("Saved");
                op["responses"]["204"] = ok("Saved, nothing to answer");
            }
            _ => op["responses"]["200"] = ok("OK"),
        }
        if spec.method != "GET" {
            op["responses"]["409"] =
                json!({ "description": "Acted on a stale stage or version: what changed", "content": error });
            op["responses"]["413"] =
                json!({ "description": "The body is larger than the route accepts", "content": error });
        }
        if spec.path == "/api/v1/auth/login" {
            op["responses"]["429"] = json!({ "description": "Too many failed logins from this address or for this account", "content": error });
        }
        if spec.access == Access::Public {
            op["security"] = json!([]);
        }
        if spec.path.contains("{file}") {
            op["parameters"] = json!([{ "name": "file", "in": "path", "required": true, "schema": { "type": "string" },
                "description": "parks|plans|progress|enterprises|reports, then .xlsx or .csv" }]);
        }
        if spec.path.contains("{id}") {
            let mut params =
                vec![json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } })];
            for second in ["enterprise_id", "objection_id", "policy_id"] {
                if spec.path.contains(&format!("{{{second}}}")) {
                    params.push(
                        json!({ "name": second, "in": "path", "required": true, "schema": { "type": "integer" } }),
                    );
                }
            }
            op["parameters"] = json!(params);
        }
        if let Some(schema) = body_schema(spec.method, spec.path) {
            let reference = json!({ "$ref": format!("#/components/schemas/{schema}") });
            // A file travels as its own bytes, not as JSON.
            let content = if schema == "File" {
                json!({
                    "text/csv": { "schema": reference },
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": reference },
                    "application/octet-stream": { "schema": reference }
                })
            } else {
                json!({ "application/json": { "schema": reference } })
            };
            op["requestBody"] = json!({ "required": true, "content": content });
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
        "components": { "schemas": all_schemas(), "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } }
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
