//! The national industry classification GB/T 4754-2017 (国民经济行业分类), embedded in full:
//! 20 sections (门类, A–T), 97 divisions (大类), 473 groups (中类) and 1,381 classes (小类).
//! Codes below the section are digits; people write them with the section letter (C3411).

use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Section,
    Division,
    Group,
    Class,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Industry {
    /// As in the standard's table: "C", "34", "341", "3411".
    pub code: &'static str,
    pub level: Level,
    pub name: &'static str,
    /// The section letter every code belongs to.
    pub section: char,
}

impl Industry {
    /// "C3411" for classes, groups and divisions; "C" for sections.
    pub fn display_code(&self) -> String {
        match self.level {
            Level::Section => self.code.to_string(),
            _ => format!("{}{}", self.section, self.code),
        }
    }
}

const TABLE: &str = include_str!("../data/gbt4754-2017.csv");

pub fn all() -> &'static [Industry] {
    static ALL: OnceLock<Vec<Industry>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        let mut section = 'A';
        for line in TABLE.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let mut f = line.splitn(4, ',');
            let (code, level, _parent, name) =
                (f.next().unwrap(), f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            let level = match level {
                "section" => Level::Section,
                "division" => Level::Division,
                "group" => Level::Group,
                _ => Level::Class,
            };
            if level == Level::Section {
                section = code.chars().next().unwrap_or('A');
            }
            out.push(Industry { code, level, name: name.trim_matches('"'), section });
        }
        out
    })
}

/// Find an entry by its code, with or without the section letter ("C3411", "3411", "c34").
pub fn find(code: &str) -> Option<&'static Industry> {
    let c = code.trim().to_ascii_uppercase();
    let digits = c.trim_start_matches(|ch: char| ch.is_ascii_alphabetic());
    let letter = c.chars().next().filter(|ch| ch.is_ascii_alphabetic());
    all().iter().find(|i| match (i.level, letter, digits.is_empty()) {
        (Level::Section, Some(l), true) => i.code.starts_with(l),
        (Level::Section, _, _) => false,
        (_, Some(l), false) => i.code == digits && i.section == l,
        (_, None, false) => i.code == digits,
        _ => false,
    })
}

/// A code as the pages show it, with its name where the table has it ("C3670 汽车零部件及配件制造").
pub fn label(code: &str) -> String {
    match find(code) {
        Some(i) => format!("{} {}", code.trim(), i.name),
        None => code.trim().to_string(),
    }
}

/// A 小类 (4-digit class), the level enterprises are registered at.
pub fn find_class(code: &str) -> Option<&'static Industry> {
    find(code).filter(|i| i.level == Level::Class)
}

/// Search by code prefix (with or without the letter) or by a part of the name.
pub fn search(query: &str, limit: usize) -> Vec<&'static Industry> {
    let q = query.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let upper = q.to_ascii_uppercase();
    let digits = upper.trim_start_matches(|ch: char| ch.is_ascii_alphabetic()).to_string();
    let letter = upper.chars().next().filter(|c| c.is_ascii_alphabetic());
    all()
        .iter()
        .filter(|i| {
            let by_code = !digits.is_empty()
                && digits.chars().all(|c| c.is_ascii_digit())
                && i.code.starts_with(&digits)
                && letter.is_none_or(|l| i.section == l);
            by_code || i.name.contains(q)
        })
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_table_is_there() {
        let count = |l: Level| all().iter().filter(|i| i.level == l).count();
        assert_eq!(
            (count(Level::Section), count(Level::Division), count(Level::Group), count(Level::Class)),
            (20, 97, 473, 1381)
        );
    }

    #[test]
    fn codes_are_found_with_or_without_the_letter() {
        let c = find("C3411").unwrap();
        assert_eq!((c.name, c.level, c.display_code()), ("锅炉及辅助设备制造", Level::Class, "C3411".to_string()));
        assert_eq!(find("3411"), Some(c));
        assert_eq!(find("c34").unwrap().name, "通用设备制造业");
        assert_eq!(find("C").unwrap().name, "制造业");
        assert!(find("A3411").is_none(), "wrong section letter");
        assert!(find_class("C34").is_none() && find_class("C3670").is_some());
        // A group without subdivision has one class with its code plus 0.
        assert_eq!(find("0610").unwrap().name, find("061").unwrap().name);
    }

    #[test]
    fn search_by_code_prefix_or_name() {
        let by_code = search("C191", 10);
        assert!(!by_code.is_empty() && by_code.iter().all(|i| i.code.starts_with("191")));
        let by_name = search("皮革", 50);
        assert!(by_name.iter().any(|i| i.display_code() == "C1910"));
        assert!(search("", 10).is_empty());
        assert_eq!(search("制造", 5).len(), 5);
    }
}
