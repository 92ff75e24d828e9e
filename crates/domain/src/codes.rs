//! Reference codes: administrative divisions (GB/T 2260 and NBS township codes).

/// A township-level area (乡镇, 街道 or a new-area committee) that owns parks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Township {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub county_code: &'static str,
    pub lat: f64,
    pub lon: f64,
}

/// Pingyang County (平阳县), GB/T 2260 code 330326.
pub const PINGYANG: &str = "330326";

/// The townships of the demo county. NBS codes as listed in DOMAIN.md; 滨海新区 (a management
/// committee, not a township) has no NBS code and gets the assigned code 330326900.
pub const PINGYANG_TOWNSHIPS: [Township; 8] = [
    Township {
        code: "330326100",
        name: "昆阳镇",
        name_en: "Kunyang",
        county_code: PINGYANG,
        lat: 27.670,
        lon: 120.560,
    },
    Township {
        code: "330326101",
        name: "鳌江镇",
        name_en: "Aojiang",
        county_code: PINGYANG,
        lat: 27.596,
        lon: 120.555,
    },
    Township {
        code: "330326102",
        name: "水头镇",
        name_en: "Shuitou",
        county_code: PINGYANG,
        lat: 27.635,
        lon: 120.319,
    },
    Township {
        code: "330326103",
        name: "萧江镇",
        name_en: "Xiaojiang",
        county_code: PINGYANG,
        lat: 27.573,
        lon: 120.472,
    },
    Township {
        code: "330326105",
        name: "腾蛟镇",
        name_en: "Tengjiao",
        county_code: PINGYANG,
        lat: 27.630,
        lon: 120.270,
    },
    Township {
        code: "330326117",
        name: "万全镇",
        name_en: "Wanquan",
        county_code: PINGYANG,
        lat: 27.620,
        lon: 120.580,
    },
    Township {
        code: "330326120", name: "麻步镇", name_en: "Mabu", county_code: PINGYANG, lat: 27.593, lon: 120.422
    },
    Township {
        code: "330326900",
        name: "滨海新区",
        name_en: "Binhai New Area",
        county_code: PINGYANG,
        lat: 27.625,
        lon: 120.650,
    },
];

/// A division code is 6 digits (county), 9 digits (township) or 12 digits (village).
pub fn is_division_code(code: &str) -> bool {
    matches!(code.len(), 6 | 9 | 12) && code.bytes().all(|b| b.is_ascii_digit())
}

pub fn township(code: &str) -> Option<&'static Township> {
    PINGYANG_TOWNSHIPS.iter().find(|t| t.code == code)
}

/// Find a township by code, Chinese name (with or without 镇) or English name.
pub fn find_township(text: &str) -> Option<&'static Township> {
    let t = text.trim();
    PINGYANG_TOWNSHIPS
        .iter()
        .find(|w| w.code == t || w.name == t || w.name.trim_end_matches('镇') == t || w.name_en.eq_ignore_ascii_case(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn township_codes_are_unique_and_well_formed() {
        for (i, a) in PINGYANG_TOWNSHIPS.iter().enumerate() {
            assert!(is_division_code(a.code) && a.code.starts_with(PINGYANG), "{}", a.code);
            assert!(PINGYANG_TOWNSHIPS[i + 1..].iter().all(|b| b.code != a.code && b.name != a.name));
        }
    }

    #[test]
    fn finds_townships_as_users_write_them() {
        assert_eq!(find_township("萧江镇").unwrap().code, "330326103");
        assert_eq!(find_township("萧江").unwrap().code, "330326103");
        assert_eq!(find_township("xiaojiang").unwrap().code, "330326103");
        assert_eq!(find_township("330326100").unwrap().name, "昆阳镇");
        assert!(find_township("温岭").is_none());
        assert!(!is_division_code("33032610") && is_division_code("330326"));
    }
}

/// Unified Social Credit Code (统一社会信用代码, GB 32100-2015): the 31 symbols, value = index.
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The check character for the first 17 characters of a credit code, or None when they
/// contain a character outside the alphabet.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(USCC_WEIGHTS) {
        sum += USCC_ALPHABET.find(c)? as u32 * w;
    }
    USCC_ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize)
}

/// Whether an 18-character credit code has a correct check character.
pub fn is_valid_uscc(code: &str) -> bool {
    code.chars().count() == 18 && code.is_ascii() && uscc_check_char(&code[..17]).is_some_and(|c| code.ends_with(c))
}

#[cfg(test)]
mod uscc_tests {
    use super::*;

    #[test]
    fn accepts_the_valid_examples() {
        for c in ["91350100M000100Y43", "91310110666007217T", "91110000101623741K"] {
            assert!(is_valid_uscc(c), "{c}");
        }
    }

    #[test]
    fn refuses_a_changed_character_or_a_bad_symbol() {
        assert!(!is_valid_uscc("91350100M000100Y44"));
        assert!(!is_valid_uscc("91310110666007217I"), "I is not in the alphabet");
        assert!(!is_valid_uscc("9131011066600721"), "too short");
        assert!(!is_valid_uscc("91310110666007217TX"), "too long");
        assert!(!is_valid_uscc("９1310110666007217T"), "full-width digit");
    }

    #[test]
    fn computes_the_check_character() {
        assert_eq!(uscc_check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(uscc_check_char("91350100M000100YO"), None);
    }
}
