//! Short forms of a plan's tasks, for the tests' assertions.

use zhuanban_plan::Plan;

/// Each task's id with its lead and support units.
pub fn units(plan: &Plan) -> Vec<(&str, Vec<&str>, Vec<&str>)> {
    fn names(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    plan.tasks
        .iter()
        .map(|t| (t.id.as_str(), names(&t.lead), names(&t.support)))
        .collect()
}

/// Each task's id with the values of its targets.
pub fn values(plan: &Plan) -> Vec<(&str, Vec<f64>)> {
    plan.tasks
        .iter()
        .map(|t| (t.id.as_str(), t.targets.iter().map(|x| x.value).collect()))
        .collect()
}

/// Each task's id with its title.
pub fn titles(plan: &Plan) -> Vec<(&str, &str)> {
    plan.tasks
        .iter()
        .map(|t| (t.id.as_str(), t.title.as_str()))
        .collect()
}
