//! A province-scale data set for benchmarks (`weiyuan demo --scale province`): 1,200 parks across
//! the demo townships, 84 enterprises each (100,800), and 36 months of generated reports
//! (3,628,800 rows), with the same generator as the demo. Parks are coded PS0001…, credit codes
//! use the division code of Wenzhou (330300). Written once: a second run adds nothing.

use crate::demo::{DemoError, generated_enterprise_reports};
use weiyuan_domain::codes::{PINGYANG_TOWNSHIPS, uscc_check_char};
use weiyuan_domain::enterprises::{EnterpriseDraft, EnterpriseSize};
use weiyuan_domain::parks::ParkForm;
use weiyuan_domain::progress::Month;
use weiyuan_store::reports::NewReport;
use weiyuan_store::{AuditCtx, Store};

#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub parks: usize,
    pub enterprises_per_park: usize,
    pub months: usize,
}

pub const PROVINCE: Scale = Scale { parks: 1_200, enterprises_per_park: 84, months: 36 };

/// A valid unified social credit code for the n-th generated enterprise.
pub fn scale_credit_code(n: u32) -> String {
    let first = format!("91330300{n:09}");
    let check = uscc_check_char(&first).expect("digits only");
    format!("{first}{check}")
}

const CLASSES: [&str; 8] = ["C3484", "C3670", "C2926", "C1910", "C2319", "C3812", "C3990", "C1819"];

/// The months of reports: `months` up to the last that has ended.
pub fn report_months(months: usize) -> Vec<Month> {
    Month::of_ms(weiyuan_store::now_ms()).prev().last_n(months)
}

/// Load the data set; `progress` hears a line now and then. Returns (parks, enterprises, reports).
pub async fn load(store: &Store, scale: Scale, progress: &dyn Fn(&str)) -> Result<(usize, usize, usize), DemoError> {
    let ctx = AuditCtx::system("scale");
    let registry = crate::demo::demo_county().registry()?;
    if store.find_park_by_code("PS0001").await?.is_some() {
        progress("the province-scale data set is there already");
        return Ok((0, 0, 0));
    }
    let months = report_months(scale.months);
    let (mut parks, mut enterprises, mut reports) = (0, 0, 0);
    let mut rows: Vec<NewReport> = Vec::new();
    for p in 0..scale.parks {
        let t = &PINGYANG_TOWNSHIPS[p % PINGYANG_TOWNSHIPS.len()];
        let land = 40 + (p * 37) % 260;
        let form = ParkForm {
            name: format!("规模测试园{:04}", p + 1),
            township_code: t.code.into(),
            status: "completed".into(),
            land_mu: land.to_string(),
            building_area_m2: (land * 1500).to_string(),
            leading_industries: "机械、汽配".into(),
            enterprise_count: scale.enterprises_per_park.to_string(),
            development_model: "undecided".into(),
            park_type: "manufacturing".into(),
            ..Default::default()
        };
        let draft = form.validate().map_err(|e| DemoError::Invalid(format!("PS{:04}", p + 1), e))?;
        let park = store.create_park(&registry, &ctx, Some(&format!("PS{:04}", p + 1)), &draft).await?;
        parks += 1;
        let drafts: Vec<EnterpriseDraft> = (0..scale.enterprises_per_park)
            .map(|j| {
                let n = (p * scale.enterprises_per_park + j) as u32 + 1;
                EnterpriseDraft {
                    name: format!("规模测试{:04}园{:03}号企业有限公司", p + 1, j + 1),
                    credit_code: scale_credit_code(n),
                    credit_override: String::new(),
                    legal_representative: "张伟".into(),
                    contact: String::new(),
                    industry_code: CLASSES[(p + j) % CLASSES.len()].into(),
                    size: if j % 25 == 0 { EnterpriseSize::Above } else { EnterpriseSize::Below },
                    tags: Vec::new(),
                    entry_date: Some("2020-01-01".into()),
                }
            })
            .collect();
        enterprises += store.create_enterprises(&crate::demo::county_desk(park.id)?, &ctx, &drafts, true).await?;
        for e in store.list_enterprises(park.id).await? {
            for (m, f, submitted_at, late) in generated_enterprise_reports(&e.credit_code, false, &months, None) {
                rows.push(NewReport {
                    enterprise_id: e.id,
                    park_id: park.id,
                    month: m,
                    figures: f,
                    submitted_at,
                    late,
                });
            }
        }
        if rows.len() >= 50_000 || p + 1 == scale.parks {
            reports += store.insert_enterprise_reports(&rows, "scale", true).await?;
            rows.clear();
            progress(&format!("{parks} parks, {enterprises} enterprises, {reports} reports"));
        }
    }
    store.assign_generated_floor_areas().await?;
    let mut tables = vec!["parks", "enterprises"];
    tables.extend(weiyuan_store::reports::REPORT_TABLES);
    store.analyze_after_load(reports, &tables).await?;
    Ok((parks, enterprises, reports))
}
