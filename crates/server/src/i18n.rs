//! The i18n catalogue: every user-facing text, zh-CN by default and English on request.
//! Catalogues are `locales/<lang>.txt` files of `key = text` lines, embedded in the binary.
//! `{name}` in a text is replaced by the parameter of that name.

use std::collections::HashMap;
use std::sync::OnceLock;
use weiyuan_domain::FieldError;
use weiyuan_domain::access::Lang;

const ZH_CN: &str = include_str!("../../../locales/zh-CN.txt");
const EN: &str = include_str!("../../../locales/en.txt");

type Catalogue = HashMap<&'static str, &'static str>;

fn parse(text: &'static str) -> Catalogue {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = ").map(|(k, v)| (k.trim(), v.trim())))
        .collect()
}

fn catalogue(lang: Lang) -> &'static Catalogue {
    static ZH: OnceLock<Catalogue> = OnceLock::new();
    static EN_CAT: OnceLock<Catalogue> = OnceLock::new();
    match lang {
        Lang::ZhCn => ZH.get_or_init(|| parse(ZH_CN)),
        Lang::En => EN_CAT.get_or_init(|| parse(EN)),
    }
}

/// The text of a key; a missing key shows as the key itself (and fails the catalogue test).
/// Missing keys are kept once each, up to a bound, so a key built from request data can never
/// grow the server's memory.
pub fn t(lang: Lang, key: &str) -> &'static str {
    if let Some(text) = catalogue(lang).get(key) {
        return text;
    }
    static MISSING: OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> = OnceLock::new();
    let mut missing = MISSING.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = missing.get(key) {
        return known;
    }
    tracing::warn!(key, lang = lang.code(), "missing i18n key");
    if missing.len() >= 1000 {
        return "…";
    }
    let leaked: &'static str = Box::leak(key.to_string().into_boxed_str());
    missing.insert(leaked);
    leaked
}

/// The text of a key, if the catalogue has it (for keys chosen by request data, which must
/// not be reported as missing).
pub fn known(lang: Lang, key: &str) -> Option<&'static str> {
    catalogue(lang).get(key).copied()
}

/// Every code of a family (`entity`, `audit_action`, ...) with its text, in the order of the
/// texts.
pub fn codes(lang: Lang, prefix: &str) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = catalogue(lang)
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.strip_prefix('.')?, *v)))
        .filter(|(code, _)| !code.contains('.'))
        .collect();
    out.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
    out
}

/// A text with `{name}` parameters filled in.
/// A parameter written `@key` is itself a catalogue key, shown in the user's language (a
/// status, a step: `("now", "@admission_status.county")`).
pub fn tf(lang: Lang, key: &str, params: &[(String, String)]) -> String {
    let mut s = t(lang, key).to_string();
    for (k, v) in params {
        let v = match v.strip_prefix('@') {
            Some(inner) => t(lang, inner),
            None => v.as_str(),
        };
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// A field error as a sentence: "土地面积（亩）：必须在 0.01 到 100000 之间".
pub fn field_error(lang: Lang, e: &FieldError) -> String {
    tf(lang, &e.code, &e.params)
}

/// The label of a field, for messages that name it. A field of a row in a table form is named
/// `<row>.<field>` (`330326103.admitted`, a township's target): the row's name (a township's,
/// or the row's own label) before the field's label, "萧江镇 入园企业".
pub fn field_label(lang: Lang, field: &str) -> String {
    if let Some(label) = known(lang, &format!("field.{field}")) {
        return label.to_string();
    }
    if let Some((row, name)) = field.split_once('.') {
        return format!("{} {}", row_label(lang, row), field_label(lang, name));
    }
    t(lang, &format!("field.{field}")).to_string()
}

/// The name of a row of a table form: a township (by its code), a grading dimension, an
/// evaluation group or indicator, a form field, or the n-th item of a list (`criteria.0`).
fn row_label(lang: Lang, row: &str) -> String {
    if let Some(t) = weiyuan_domain::codes::township(row) {
        return if lang == Lang::En { t.name_en } else { t.name }.to_string();
    }
    if let Ok(i) = row.parse::<usize>() {
        return t(lang, "field.row").replace("{n}", &(i + 1).to_string());
    }
    ["grading.dimension", "evaluation.group", "evaluation.indicator", "field"]
        .iter()
        .find_map(|family| known(lang, &format!("{family}.{row}")))
        .unwrap_or(row)
        .to_string()
}

/// A check's number as the pages show numbers ("2,384", "1,329,600.5"); years, months, codes and
/// anything that is not a plain decimal number stay as written.
fn shown_number(name: &str, text: &str) -> Option<String> {
    if ["year", "month", "code", "id", "days", "hours"].iter().any(|w| name.contains(w)) {
        return None;
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2;
    if !plain || whole.len() < 4 {
        return None;
    }
    weiyuan_domain::Fixed2::parse(text).ok().map(|v| v.shown())
}

/// A rule's outcome as a sentence with its numbers: "平均售价 2,650 元/m² 超过上限 2,600 元/m²".
pub fn check_text(lang: Lang, c: &weiyuan_domain::rules::Check) -> String {
    let key = format!("rule.{}", c.rule);
    let mut s = t(lang, &key).to_string();
    for (k, v) in &c.numbers {
        let v = match (k.as_str(), v.as_str()) {
            ("by", code) => t(lang, &format!("share_by.{code}")).to_string(),
            ("keyword", word) if !word.is_empty() => tf(lang, "rule.keyword", &[("value".into(), word.into())]),
            (_, text) if text.starts_with('@') => t(lang, &text[1..]).to_string(),
            (_, "") => "—".to_string(),
            ("industry", code) => weiyuan_domain::industry::label(code),
            (name, text) => shown_number(name, text).unwrap_or_else(|| v.clone()),
        };
        s = s.replace(&format!("{{{k}}}"), &v);
    }
    // Parameters a check did not carry (an optional park name) leave no trace.
    while let Some(start) = s.find('{') {
        match s[start..].find('}') {
            Some(len) => s.replace_range(start..start + len + 1, ""),
            None => break,
        }
    }
    if let Some((_, unit)) = c.numbers.iter().find(|(k, _)| k == "unit")
        && !t(lang, &key).contains("{unit}")
    {
        s = format!("[{unit}] {s}");
    }
    s
}

/// A translator bound to one language, handed to templates.
#[derive(Clone, Copy, Debug)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t(&self, key: &str) -> &'static str {
        t(self.0, key)
    }

    pub fn code(&self, prefix: &str, code: &str) -> &'static str {
        t(self.0, &format!("{prefix}.{code}"))
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }

    pub fn is_en(&self) -> bool {
        self.0 == Lang::En
    }

    pub fn check(&self, c: &weiyuan_domain::rules::Check) -> String {
        check_text(self.0, c)
    }

    /// A unit as the reader writes it: units are kept as Chinese write them ("万元/亩", "人次"),
    /// the catalogue's `uom.<unit>` says them in English; a unit it lacks ("kWh", a county-defined
    /// "℃") is shown as it is.
    pub fn unit(&self, unit: &str) -> String {
        known(self.0, &format!("uom.{unit}")).unwrap_or(unit).to_string()
    }

    /// Who did something, as the reader says it: the platform's own actors (`service deadlines`,
    /// `demo`, `demo:滨海新区`) through the catalogue's `actor.*`, a user by name.
    pub fn actor(&self, username: &str) -> String {
        let (who, whose) = username.split_once(':').map_or((username, None), |(w, rest)| (w, Some(rest)));
        match known(self.0, &format!("actor.{}", who.replace(' ', "_"))) {
            Some(text) => whose.map_or_else(|| text.to_string(), |w| format!("{text}（{w}）")),
            None => username.to_string(),
        }
    }

    /// A text with a count in it (`{n}`): "3 家转租", "sublet to 3 tenants".
    pub fn count<N: std::fmt::Display>(&self, key: &str, n: N) -> String {
        self.t(key).replace("{n}", &n.to_string())
    }

    /// Something in brackets after a word: "（3）" in Chinese, " (3)" in English.
    pub fn paren<D: std::fmt::Display>(&self, v: D) -> String {
        match self.0 {
            Lang::ZhCn => format!("（{v}）"),
            Lang::En => format!(" ({v})"),
        }
    }

    /// A column label's unit: "（万元）" in Chinese, " (10k yuan)" in English.
    pub fn in_unit(&self, unit: &str) -> String {
        self.paren(self.unit(unit))
    }

    /// An instant as "2026-11-23 15:04" (Asia/Shanghai).
    pub fn time(&self, ms: &i64) -> String {
        weiyuan_domain::time::format_shanghai(*ms)
    }
}

/// The code of an enumeration from a cell that may hold the code, its Chinese or English
/// label, or a wording of the seed ("工业地产等开发模式").
pub fn code_from_label<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    prefix: &str,
    cell: &str,
    aliases: &[(&str, &'static str)],
) -> Option<&'static str> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .replace("等", "")
            .replace("开发模式", "")
            .replace("模式", "")
            .replace("开发", "")
    };
    let cell_n = norm(cell);
    if let Some((_, c)) = aliases.iter().find(|(a, _)| norm(a) == cell_n) {
        return Some(c);
    }
    all.iter().map(|v| code(*v)).find(|c| {
        *c == cell.trim()
            || norm(t(Lang::ZhCn, &format!("{prefix}.{c}"))) == cell_n
            || t(Lang::En, &format!("{prefix}.{c}")).eq_ignore_ascii_case(cell.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_the_seed_map_to_codes() {
        let model = |s: &str| {
            code_from_label(
                weiyuan_domain::parks::DevelopmentModel::ALL,
                weiyuan_domain::parks::DevelopmentModel::code,
                "model",
                s,
                &[],
            )
        };
        assert_eq!(model("工业地产等开发模式"), Some("industrial_real_estate"));
        assert_eq!(model("工业地产开发模式"), Some("industrial_real_estate"));
        assert_eq!(model("龙头企业开发模式"), Some("leading_enterprise"));
        assert_eq!(model("国资公司代建"), Some("state_owned_build"));
        assert_eq!(model("Joint build"), Some("joint_build"));
        assert_eq!(model("undecided"), Some("undecided"));
        assert_eq!(model("自己建"), None);
        let status = |s: &str| {
            code_from_label(
                weiyuan_domain::parks::ParkStatus::ALL,
                weiyuan_domain::parks::ParkStatus::code,
                "status",
                s,
                &[("建成投产", "completed")],
            )
        };
        assert_eq!(status("建成投产"), Some("completed"));
        assert_eq!(status("在建"), Some("under_construction"));
        assert_eq!(status("拟建"), Some("planned"));
    }

    #[test]
    fn a_field_of_a_table_form_is_named_by_its_row_and_its_column() {
        assert_eq!(field_label(Lang::ZhCn, "330326103.admitted"), "萧江镇 入园企业目标");
        assert_eq!(field_label(Lang::En, "330326103.tax_per_mu"), "Xiaojiang Target of tax per mu");
        assert_eq!(field_label(Lang::ZhCn, "above.tax_per_mu.weight"), "规上企业 亩均税收 权重");
        assert_eq!(field_label(Lang::ZhCn, "per_mu_benefit.points"), "亩均效益 分值");
        assert_eq!(field_label(Lang::ZhCn, "criteria.0.min"), "享受条件 第 1 条 下限");
        assert_eq!(field_label(Lang::ZhCn, "land_mu"), t(Lang::ZhCn, "field.land_mu"));
    }

    #[test]
    fn both_catalogues_have_the_same_keys_and_no_empty_texts() {
        let zh = catalogue(Lang::ZhCn);
        let en = catalogue(Lang::En);
        let mut missing_en: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        let mut missing_zh: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        missing_en.sort();
        missing_zh.sort();
        assert!(missing_en.is_empty(), "keys missing in en: {missing_en:?}");
        assert!(missing_zh.is_empty(), "keys missing in zh-CN: {missing_zh:?}");
        assert!(zh.values().chain(en.values()).all(|v| !v.is_empty()));
        assert!(zh.len() > 100);
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut texts = Vec::new();
        walk(&root.join("crates/server/src"), &mut texts);
        walk(&root.join("templates"), &mut texts);
        assert!(texts.len() > 20, "read the sources");
        let zh = catalogue(Lang::ZhCn);
        let mut missing = Vec::new();
        for (file, text) in &texts {
            // Literal keys in t("...") / tr.t("...") calls.
            for part in text.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                let looks_like_key = key.contains('.')
                    && !key.starts_with('.')
                    && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
                if looks_like_key && !zh.contains_key(key) {
                    missing.push(format!("{file}: {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "keys used but missing from the catalogue: {missing:?}");
    }

    /// Every message key the code can produce (error and import messages written anywhere in
    /// the domain, store and server) and the label of every field an error can name exist in
    /// both catalogues: no user ever reads a raw key such as `field.park_id`.
    #[test]
    fn every_message_and_field_an_error_can_name_exists_in_both_languages() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut texts = Vec::new();
        for dir in ["crates/domain/src", "crates/store/src", "crates/server/src"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                for entry in std::fs::read_dir(&d).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        texts.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
                    }
                }
            }
        }
        let key_like = |k: &str| {
            k.contains('.')
                && !k.ends_with('.')
                && !k.ends_with(".html")
                && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        };
        let mut missing = Vec::new();
        for (file, text) in &texts {
            for (i, literal) in text.split('"').enumerate() {
                // Odd pieces are inside quotes (good enough for these sources).
                if i % 2 == 1 && (literal.starts_with("error.") || literal.starts_with("import.")) && key_like(literal)
                {
                    for lang in [Lang::ZhCn, Lang::En] {
                        if !catalogue(lang).contains_key(literal) {
                            missing.push(format!("{file}: {literal} ({})", lang.code()));
                        }
                    }
                }
            }
            for part in text.split("FieldError::new(\"").skip(1) {
                let field = part.split('"').next().unwrap();
                let key = format!("field.{field}");
                if key_like(&key) && !catalogue(Lang::ZhCn).contains_key(key.as_str()) {
                    missing.push(format!("{file}: {key}"));
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "message keys or field labels missing: {missing:#?}");
    }

    /// Every rule a check can name has its sentence: the names are read from the sources.
    #[test]
    fn every_rule_and_decision_has_its_text() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut rules = Vec::new();
        for dir in ["crates/domain/src", "crates/store/src", "crates/server/src"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for part in text.split("Check::new(\"").skip(1) {
                        rules.push(part.split('"').next().unwrap().to_string());
                    }
                }
            }
        }
        assert!(rules.len() > 30, "found the rules: {rules:?}");
        let families = [
            ("unit_event", &["sale", "lease", "lease_end", "sublet_takeback", "transfer", "buyback", "eviction"][..]),
            ("admission_status", &["township", "county", "sent_back", "approved", "rejected"]),
            ("review_step", &["submit", "township", "county"]),
            ("decision", &["submitted", "approve", "reject", "send_back"]),
            ("enterprise_event", &["admitted", "exit_test", "warned", "rectified", "evicted"]),
            ("exit_step", &["test", "warn", "rectified", "evict"]),
            ("share_by", &["count", "area"]),
            ("negative", &["code", "keyword"]),
        ];
        for lang in [Lang::ZhCn, Lang::En] {
            let c = catalogue(lang);
            for r in &rules {
                assert!(c.contains_key(format!("rule.{r}").as_str()), "{} lacks rule.{r}", lang.code());
            }
            for (prefix, codes) in families {
                for code in codes {
                    assert!(
                        c.contains_key(format!("{prefix}.{code}").as_str()),
                        "{} lacks {prefix}.{code}",
                        lang.code()
                    );
                }
            }
            for (field, _) in crate::rules::pages::FIELDS {
                assert!(
                    c.contains_key(format!("rulefield.{field}").as_str())
                        && c.contains_key(format!("field.{field}").as_str())
                );
            }
        }
    }

    /// Every action and kind of record the audit log can hold has its label: the literals are
    /// read from the store's `audit::record` calls, the computed ones listed here.
    #[test]
    fn every_audit_action_and_record_kind_has_its_label() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../crates/store/src"));
        let (mut actions, mut entities) = (Vec::new(), Vec::new());
        for entry in std::fs::read_dir(root).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for call in text.split("audit::record(").skip(1) {
                let args: Vec<&str> = call.split(',').map(str::trim).take(4).collect();
                let literal = |a: &str| a.strip_prefix('"').and_then(|a| a.strip_suffix('"')).map(str::to_string);
                actions.extend(args.get(2).and_then(|a| literal(a)));
                entities.extend(args.get(3).and_then(|a| literal(a)));
            }
        }
        assert!(actions.len() > 20 && entities.len() > 20, "found {actions:?} {entities:?}");
        let computed_actions = [
            "sell",
            "lease",
            "transfer",
            "buyback",
            "lease_end",
            "sublet_takeback",
            "eviction",
            "file",
            "correct",
            "approve",
            "reject",
            "send_back",
            "return",
            "publish",
            "withdraw",
            "accept",
            "decline",
            "complete",
            "confirm",
            "cancel",
        ];
        actions.extend(computed_actions.iter().map(|a| a.to_string()));
        entities.extend(["evaluation_method", "grading_rubric"].iter().map(|e| e.to_string()));
        for lang in [Lang::ZhCn, Lang::En] {
            for a in &actions {
                assert!(catalogue(lang).contains_key(format!("audit_action.{a}").as_str()), "audit_action.{a}");
            }
            for e in &entities {
                assert!(catalogue(lang).contains_key(format!("entity.{e}").as_str()), "entity.{e}");
            }
        }
    }

    #[test]
    fn every_enumeration_code_has_a_label() {
        use weiyuan_domain::parks::{DevelopmentModel, ParkStatus, ParkType, SpaceType};
        for lang in [Lang::ZhCn, Lang::En] {
            let c = catalogue(lang);
            let keys = ParkStatus::ALL
                .iter()
                .map(|v| format!("status.{}", v.code()))
                .chain(DevelopmentModel::ALL.iter().map(|v| format!("model.{}", v.code())))
                .chain(ParkType::ALL.iter().map(|v| format!("park_type.{}", v.code())))
                .chain(SpaceType::ALL.iter().map(|v| format!("space.{}", v.code())))
                .chain(weiyuan_domain::Role::ALL.iter().map(|v| format!("role.{}", v.code())));
            for k in keys {
                assert!(c.contains_key(k.as_str()), "{} lacks {k}", lang.code());
            }
        }
    }

    #[test]
    fn parameters_are_filled_in() {
        let e = FieldError::new("land_mu", "error.out_of_range").with("min", "0.01").with("max", "100000");
        assert_eq!(field_error(Lang::En, &e), "must be between 0.01 and 100000");
        assert_eq!(field_error(Lang::ZhCn, &e), "须在 0.01 到 100000 之间");
    }

    #[test]
    fn a_checks_numbers_read_as_the_pages_show_numbers() {
        use weiyuan_domain::rules::Check;
        let sale = Check::new("sale.average_cap", false).with("average", "2650").with("cap", "2600.5");
        assert_eq!(
            check_text(Lang::ZhCn, &sale),
            t(Lang::ZhCn, "rule.sale.average_cap").replace("{average}", "2,650").replace("{cap}", "2,600.5")
        );
        let figure =
            Check::new("policy.figure", true).with("year", "2025").with("value", "1329600").with("min", "2000");
        let text = check_text(Lang::ZhCn, &figure);
        assert!(text.starts_with("2025 年") && text.contains("1,329,600") && text.contains("2,000"), "{text}");
        let lease = Check::new("lease.same_industry", false).with("owner", "").with("tenant", "C3484");
        let text = check_text(Lang::ZhCn, &lease);
        assert!(text.contains("出租方 —") && text.contains("承租方 C3484"), "a blank is a dash, not a gap: {text}");
        let admission = Check::new("admission.negative_list", true).with("industry", "C3670");
        assert!(check_text(Lang::ZhCn, &admission).contains("C3670 汽车零部件及配件制造"));
    }
}
