//! Enterprises in parks (入园企业): the registry's fields and their rules. A credit code must
//! carry a correct check character (GB 32100-2015); an early code that fails it is accepted only
//! with a recorded reason, never silently.

use crate::codes::{USCC_ALPHABET, is_valid_uscc, uscc_check_char};
use crate::industry;
use crate::validation::{Checker, FieldError, Invalid};
use serde::{Deserialize, Serialize};

code_enum! {
    /// 规上 (above designated size) or 规下.
    EnterpriseSize {
        Above = "above",
        Below = "below",
    }
}

code_enum! {
    EnterpriseStatus {
        Active = "active",
        Exited = "exited",
    }
}

code_enum! {
    /// The gradient library's labels (梯度培育库) and cultivation marks.
    Tag {
        TechBased = "tech_based",
        Specialized = "specialized",
        HighTech = "high_tech",
        Upgraded = "upgraded",
        Export = "export",
        Brand = "brand",
        Startup = "startup",
    }
}

/// An enterprise as entered.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct EnterpriseForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub credit_code: String,
    /// Why a code failing the check character is accepted anyway (an early code).
    #[serde(default)]
    pub credit_override: String,
    #[serde(default)]
    pub legal_representative: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub industry_code: String,
    #[serde(default)]
    pub size: String,
    /// Tag codes separated by commas or 、.
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    #[schemars(extend("format" = "date"))]
    pub entry_date: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EnterpriseDraft {
    pub name: String,
    pub credit_code: String,
    pub credit_override: String,
    pub legal_representative: String,
    pub contact: String,
    /// A 小类 code with its section letter, e.g. C3411.
    pub industry_code: String,
    pub size: EnterpriseSize,
    pub tags: Vec<Tag>,
    pub entry_date: Option<String>,
}

/// Check a credit code's form and check character; the override reason decides a failing check.
pub fn check_credit_code(field: &str, code: &str, override_reason: &str) -> Result<(), FieldError> {
    if code.is_empty() {
        return Err(FieldError::new(field, "error.required"));
    }
    if code.chars().count() != 18 || !code.chars().all(|c| USCC_ALPHABET.contains(c)) {
        return Err(FieldError::new(field, "error.uscc_format"));
    }
    if is_valid_uscc(code) || !override_reason.trim().is_empty() {
        return Ok(());
    }
    let expected = uscc_check_char(&code[..17]).map(String::from).unwrap_or_default();
    Err(FieldError::new(field, "error.uscc_check").with("expected", expected))
}

impl EnterpriseForm {
    /// `today` is YYYY-MM-DD (Asia/Shanghai): an entry date cannot be later.
    pub fn validate(&self, today: &str) -> Result<EnterpriseDraft, Invalid> {
        let mut c = Checker::new();
        let name = c.text("name", &self.name, 100);
        let credit_code = self.credit_code.trim().to_ascii_uppercase();
        if let Err(e) = check_credit_code("credit_code", &credit_code, &self.credit_override) {
            c.push(e);
        }
        let credit_override = if is_valid_uscc(&credit_code) {
            String::new()
        } else {
            c.optional_text("credit_override", &self.credit_override, 200)
        };
        let legal_representative = c.optional_text("legal_representative", &self.legal_representative, 50);
        let contact = c.optional_text("contact", &self.contact, 100);
        let industry_code = match industry::find_class(&self.industry_code) {
            Some(i) => i.display_code(),
            None => {
                let code = if self.industry_code.trim().is_empty() { "error.required" } else { "error.industry_class" };
                c.push(FieldError::new("industry_code", code).with("value", self.industry_code.trim()));
                String::new()
            }
        };
        let size = c.choice("size", &self.size, EnterpriseSize::parse);
        let mut tags = Vec::new();
        for t in self.tags.split([',', '、', '，', ' ']).map(str::trim).filter(|t| !t.is_empty()) {
            match Tag::parse(t) {
                Some(tag) if !tags.contains(&tag) => tags.push(tag),
                Some(_) => {}
                None => c.push(FieldError::new("tags", "error.unknown_choice").with("value", t)),
            }
        }
        let entry_date = (!self.entry_date.trim().is_empty()).then(|| c.date("entry_date", &self.entry_date, today));
        c.finish(())?;
        Ok(EnterpriseDraft {
            name,
            credit_code,
            credit_override,
            legal_representative,
            contact,
            industry_code,
            size: size.expect("checked"),
            tags,
            entry_date,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(code: &str) -> EnterpriseForm {
        EnterpriseForm {
            name: "平阳县某某机械有限公司".into(),
            credit_code: code.into(),
            industry_code: "3411".into(),
            size: "below".into(),
            tags: "tech_based、specialized".into(),
            entry_date: "2019-05-01".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_codes_pass_and_are_normalised() {
        let d = form(" 91350100m000100y43 ").validate("2026-11-23").unwrap();
        assert_eq!((d.credit_code.as_str(), d.industry_code.as_str()), ("91350100M000100Y43", "C3411"));
        assert_eq!(d.tags, vec![Tag::TechBased, Tag::Specialized]);
        assert_eq!(d.credit_override, "");
    }

    #[test]
    fn a_failing_check_character_needs_a_recorded_reason() {
        let e = form("91350100M000100Y44").validate("2026-11-23").unwrap_err().0;
        assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("credit_code", "error.uscc_check"));
        assert_eq!(e[0].params, vec![("expected".to_string(), "3".to_string())]);
        let ok = EnterpriseForm {
            credit_override: "2016 年前发放的早期代码，经市场监管局核实".into(),
            ..form("91350100M000100Y44")
        };
        assert_eq!(ok.validate("2026-11-23").unwrap().credit_override, "2016 年前发放的早期代码，经市场监管局核实");
        // A malformed code is refused whatever the reason.
        let bad = EnterpriseForm { credit_override: "x".into(), ..form("91350100M000100YI3") };
        assert_eq!(bad.validate("2026-11-23").unwrap_err().0[0].code, "error.uscc_format");
    }

    #[test]
    fn industry_must_be_a_class_and_dates_not_in_the_future() {
        let f = EnterpriseForm {
            industry_code: "C34".into(),
            entry_date: "2027-01-01".into(),
            tags: "vip".into(),
            ..form("91310110666007217T")
        };
        let fields: Vec<_> = f.validate("2026-11-23").unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("industry_code".to_string(), "error.industry_class".to_string()),
                ("tags".to_string(), "error.unknown_choice".to_string()),
                ("entry_date".to_string(), "error.date_in_future".to_string())
            ]
        );
    }
}
