//! Programmes, teams and pulse questions as `sandpit programme` prints them
//! for a person (`--json` prints the API's documents instead).

use serde_json::Value;

use super::text;

fn rows(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// One programme, its phases and its scenarios.
pub(super) fn programme(p: &Value) {
    println!("{} ({})", text(&p["name"]), text(&p["id"]));
    if let Some(summary) = p["summary"].as_str().filter(|s| !s.is_empty()) {
        println!("  summary    {summary}");
    }
    println!("  lead       {}", text(&p["lead"]));
    println!("  time zone  {}", text(&p["time_zone"]));
    println!("  phase      {}", text(&p["phase"]));
    for ph in rows(&p["phases"]) {
        let now = if ph["phase"] == p["phase"] { "*" } else { " " };
        println!(
            "  {now} {:<8} planned {} → {}, actual {} → {}",
            text(&ph["phase"]),
            text(&ph["planned_start"]),
            text(&ph["planned_end"]),
            text(&ph["actual_start"]),
            text(&ph["actual_end"]),
        );
    }
    let scenarios: Vec<String> = rows(&p["scenarios"])
        .map(|s| format!("{} ({})", text(&s["scenario"]), text(&s["phase"])))
        .collect();
    if scenarios.is_empty() {
        println!("  scenarios  -");
    } else {
        println!("  scenarios  {}", scenarios.join(", "));
    }
}

/// A table of programmes.
pub(super) fn programmes(list: &Value) {
    println!("{:<36}  {:<8}  {:<16}  NAME", "ID", "PHASE", "LEAD");
    for p in rows(list) {
        println!(
            "{:<36}  {:<8}  {:<16}  {}",
            text(&p["id"]),
            text(&p["phase"]),
            text(&p["lead"]),
            text(&p["name"])
        );
    }
}

/// A team's impacts: `tiny: high, required by 2030-06-30; …`.
pub(super) fn impacts(impacts: &Value) -> String {
    let all: Vec<String> = rows(impacts)
        .map(|i| {
            let required = match (i["required"].as_bool(), i["due_on"].as_str()) {
                (Some(true), Some(due)) => format!(", required by {due}"),
                (Some(true), None) => ", required".to_owned(),
                _ => String::new(),
            };
            format!("{}: {}{required}", text(&i["scenario"]), text(&i["impact"]))
        })
        .collect();
    if all.is_empty() {
        "-".to_owned()
    } else {
        all.join("; ")
    }
}

/// The impact study's teams.
pub(super) fn teams(teams: &Value) {
    println!(
        "{:<24}  {:<8}  {:<16}  {:>9}  {:>8}  {:>6}  IMPACTS",
        "TEAM", "KIND", "SITE", "HEADCOUNT", "MATURITY", "PEOPLE"
    );
    for t in rows(teams) {
        println!(
            "{:<24}  {:<8}  {:<16}  {:>9}  {:>8}  {:>6}  {}",
            text(&t["name"]),
            text(&t["kind"]),
            text(&t["site"]),
            text(&t["headcount"]),
            text(&t["maturity"]),
            text(&t["people"]),
            impacts(&t["impacts"])
        );
    }
}

/// The pulse questions.
pub(super) fn pulses(questions: &Value) {
    println!("{:<36}  {:<8}  {:<6}  QUESTION", "ID", "PHASE", "MOMENT");
    for q in rows(questions) {
        let question = match (q["text_en"].as_str(), q["text_fr"].as_str()) {
            (Some(en), Some(fr)) => format!("{en} / {fr}"),
            (Some(one), None) | (None, Some(one)) => one.to_owned(),
            (None, None) => "-".to_owned(),
        };
        println!(
            "{:<36}  {:<8}  {:<6}  {question}",
            text(&q["id"]),
            text(&q["phase"]),
            text(&q["moment"])
        );
    }
}
