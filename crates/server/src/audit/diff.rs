//! What an audit entry changed, as a clerk reads it: only the fields that differ (every field of
//! a record created or deleted), each under its label in the reader's language, with its values
//! as the pages show them: hundredths as numbers, instants as Shanghai time, yes/no, and parks
//! and enterprises by name.

use crate::i18n::{self, Tr};
use serde_json::Value;
use std::collections::HashMap;
use weiyuan_domain::Fixed2;
use weiyuan_domain::time::format_shanghai;

/// One field that changed: its label and its value before and after ("" where absent).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// Names to show instead of ids.
#[derive(Default)]
pub struct Names {
    pub parks: HashMap<i64, String>,
    pub enterprises: HashMap<i64, String>,
}

/// Fields every write moves, which the entry's own time already tells.
const BOOKKEEPING: [&str; 2] = ["updated_at", "version"];

/// Keys whose value is an enterprise's id.
pub const ENTERPRISE_KEYS: [&str; 5] = ["enterprise_id", "buyer_id", "tenant_id", "owner_id", "seller_id"];

/// The fields that differ between `before` and `after`, in the order they are written.
pub fn changes(before: Option<&Value>, after: Option<&Value>, tr: Tr, names: &Names) -> Vec<Change> {
    let (mut b, mut a) = (Vec::new(), Vec::new());
    flatten("", before.unwrap_or(&Value::Null), &mut b);
    flatten("", after.unwrap_or(&Value::Null), &mut a);
    let before_of: HashMap<&str, &Value> = b.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let after_of: HashMap<&str, &Value> = a.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut keys: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
    keys.extend(b.iter().map(|(k, _)| k.as_str()).filter(|k| !after_of.contains_key(k)));
    keys.into_iter()
        .filter(|k| before_of.get(k) != after_of.get(k) && !BOOKKEEPING.contains(k))
        .map(|k| Change {
            label: label(k, tr),
            before: before_of.get(k).map(|v| value(k, v, tr, names)).unwrap_or_default(),
            after: after_of.get(k).map(|v| value(k, v, tr, names)).unwrap_or_default(),
        })
        .collect()
}

/// Objects are opened into `a.b` paths; arrays and scalars are values.
fn flatten<'v>(prefix: &str, v: &'v Value, out: &mut Vec<(String, &'v Value)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&path, v, out);
            }
        }
        Value::Null if prefix.is_empty() => {}
        other => out.push((prefix.to_string(), other)),
    }
}

/// The field's label: the catalogue's label for the last part of its path (a form field, a
/// report figure, an audit field), else the path as written.
fn label(path: &str, tr: Tr) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let bare = last.strip_suffix("_x100").unwrap_or(last);
    let found = ["audit_field", "field", "report_field"]
        .iter()
        .flat_map(|prefix| [format!("{prefix}.{last}"), format!("{prefix}.{bare}")])
        .find_map(|key| i18n::known(tr.0, &key));
    match (found, path.rsplit_once('.')) {
        (Some(l), Some((parent, _))) => format!("{} · {l}", label(parent, tr)),
        (Some(l), None) => l.to_string(),
        (None, _) => path.to_string(),
    }
}

/// The catalogue family of a field's coded values (a device's `kind` reads 电表, not electricity_meter).
fn codes_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "kind" => "device_kind",
        "status" => "status",
        "severity" => "alarm.severity",
        "state" => "alarm.state",
        "size" => "size",
        "space_type" => "space",
        "metric" => "metric",
        _ => return None,
    })
}

fn value(path: &str, v: &Value, tr: Tr, names: &Names) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => tr.t(if *b { "audit.yes" } else { "audit.no" }).into(),
        Value::Number(n) => {
            let Some(i) = n.as_i64() else { return n.to_string() };
            if last == "park_id" {
                return names.parks.get(&i).cloned().unwrap_or_else(|| format!("#{i}"));
            }
            if ENTERPRISE_KEYS.contains(&last) {
                return names.enterprises.get(&i).cloned().unwrap_or_else(|| format!("#{i}"));
            }
            if last.ends_with("_x100") {
                return Fixed2(i).plain();
            }
            // Instants are epoch milliseconds (after 1973).
            if (last.ends_with("_at") || last.ends_with("_ms") || last == "at") && i > 100_000_000_000 {
                return format_shanghai(i);
            }
            i.to_string()
        }
        Value::String(s) => codes_of(last)
            .and_then(|family| i18n::known(tr.0, &format!("{family}.{s}")))
            .map_or_else(|| s.clone(), str::to_string),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => s.clone(),
                Value::Object(_) | Value::Array(_) => item.to_string(),
                other => value(last, other, tr, names),
            })
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(_) => v.to_string(),
    }
}

/// The enterprise ids an entry's values name, to look their names up once per page.
pub fn enterprise_ids(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match v.as_i64() {
                    Some(id) if ENTERPRISE_KEYS.contains(&k.as_str()) => out.push(id),
                    _ => enterprise_ids(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| enterprise_ids(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use weiyuan_domain::access::Lang;

    #[test]
    fn only_what_changed_is_shown_under_its_label_with_readable_values() {
        let names = Names {
            parks: [(8, "万洋众创城".to_string())].into(),
            enterprises: [(27, "平阳县某机械有限公司".to_string())].into(),
        };
        let before = json!({"name": "旧名", "land_mu_x100": 123450, "park_id": 8, "active": true, "submitted_at": 1_764_000_000_000_i64});
        let after = json!({"name": "新名", "land_mu_x100": 123450, "park_id": 8, "active": false, "enterprise_id": 27,
            "submitted_at": 1_764_086_400_000_i64});
        let zh = changes(Some(&before), Some(&after), Tr(Lang::ZhCn), &names);
        let fields: Vec<&str> = zh.iter().map(|c| c.label.as_str()).collect();
        // The unchanged land and park are left out; the rest under their labels.
        assert_eq!(zh.len(), 4, "{zh:?}");
        assert!(!fields.iter().any(|f| f.contains("land")), "{fields:?}");
        let name = zh.iter().find(|c| c.before == "旧名").unwrap();
        assert_eq!((name.label.as_str(), name.after.as_str()), (i18n::t(Lang::ZhCn, "field.name"), "新名"));
        let active = zh.iter().find(|c| c.label == "启用").unwrap();
        assert_eq!((active.before.as_str(), active.after.as_str()), ("是", "否"));
        // A coded value reads as the pages say it: a device's kind by its name.
        let device = changes(None, Some(&json!({"kind": "electricity_meter"})), Tr(Lang::ZhCn), &names);
        assert_eq!((device[0].label.as_str(), device[0].after.as_str()), ("类型", "电表"));
        let e = zh.iter().find(|c| c.after == "平阳县某机械有限公司").unwrap();
        assert_eq!(e.before, "");
        assert!(zh.iter().any(|c| c.after.starts_with("2025-11-26")), "{zh:?}");
    }

    #[test]
    fn a_created_record_shows_every_field_and_hundredths_as_numbers() {
        let after = json!({"name": "一号楼", "area_m2_x100": 160_050, "floors": 5, "units": [1, 2]});
        let c = changes(None, Some(&after), Tr(Lang::En), &Names::default());
        assert_eq!(c.len(), 4);
        let area = c.iter().find(|c| c.after == "1600.5").unwrap();
        assert_eq!(area.before, "");
        assert!(c.iter().any(|c| c.after == "1、2"));
        assert_eq!(changes(Some(&after), Some(&after), Tr(Lang::En), &Names::default()), vec![]);
    }
}
