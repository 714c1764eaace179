//! typosquat: a newly added package's name is a near miss of a popular package's name.

use super::{Facts, Finding, Lookup, Outcome, Settings, Severity, Signal, age_hours, created_at};
use crate::diff::ChangeKind;
use std::collections::HashSet;
use std::sync::OnceLock;

pub const SIGNAL: Signal = Signal {
    id: "typosquat",
    description: "A newly added package's name is a near miss of a popular package's name",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
Typosquats (`crossenv` for `cross-env`, `electorn` for `electron`, `@typescript_eslint/parser` for
`@typescript-eslint/parser`) wait for a typo in a `package.json` or an AI assistant's suggestion.
Each package *added* to a lockfile whose name is not itself popular is compared with the most
popular npm names (`typosquat.targets`, default: all of it, from a bundled copy of npm's own
high-impact list: see src/signals/popular.txt and the script that regenerates it; nothing is
fetched at run time):

- `separator`: the same name once `-`, `_` and `.` are removed (`crossenv` / `cross-env`);
- `scope`: the same package name under a scope one or two edits away
  (`@typescript_eslint/parser`);
- `edit`: one edit (insert, delete, substitute, swap two neighbours) from a popular name of 5+
  characters, or two edits from one of 9+ (short names are too close to each other to judge).

- medium: a near miss;
- low: a near miss whose package has existed on the registry for over a year (legitimate
  packages with similar names exist; typosquats are usually young).

Alone this warns; with install-time code (install-script) the verdict fails. Never unavailable:
it needs only the name.
";

const LIST: &str = include_str!("popular.txt");

struct Popular {
    /// Most popular first.
    names: Vec<&'static str>,
    set: HashSet<&'static str>,
}

fn popular() -> &'static Popular {
    static POPULAR: OnceLock<Popular> = OnceLock::new();
    POPULAR.get_or_init(|| {
        let names: Vec<&'static str> =
            LIST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        let set = names.iter().copied().collect();
        Popular { names, set }
    })
}

/// The name is in the bundled list of popular packages.
pub fn is_popular(name: &str) -> bool {
    popular().set.contains(name)
}

fn without_separators(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '-' | '_' | '.')).collect::<String>().to_ascii_lowercase()
}

fn split_scope(name: &str) -> (Option<&str>, &str) {
    match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
        Some((scope, rest)) => (Some(scope), rest),
        None => (None, name),
    }
}

/// Optimal string alignment distance (Levenshtein plus swapping two neighbours), or `None` when
/// it exceeds `max`. Rows stop early once every cell is over `max`.
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut prev2 = vec![0usize; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0usize; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

/// The most popular name `name` is a near miss of, and how.
pub fn near_miss(name: &str, targets: usize) -> Option<(&'static str, &'static str, usize)> {
    let popular = popular();
    if popular.set.contains(name) {
        return None;
    }
    let squashed = without_separators(name);
    let (scope, bare) = split_scope(name);
    for &target in popular.names.iter().take(targets) {
        if target.len().abs_diff(name.len()) > 3 {
            continue;
        }
        if without_separators(target) == squashed {
            return Some((target, "separator", 0));
        }
        let (t_scope, t_bare) = split_scope(target);
        if let (Some(s), Some(ts)) = (scope, t_scope)
            && bare == t_bare
            && let Some(d) = distance_within(s, ts, 2)
        {
            return Some((target, "scope", d));
        }
        let chars = target.chars().count();
        let max = match chars {
            0..5 => continue,
            5..9 => 1,
            _ => 2,
        };
        if let Some(d) = distance_within(name, target, max) {
            return Some((target, "edit", d));
        }
    }
    None
}

fn evaluate(facts: &Facts, settings: &Settings) -> Outcome {
    if facts.change.kind != ChangeKind::Added {
        return Outcome::clean();
    }
    let Some(entry) = facts.target() else { return Outcome::clean() };
    let Some((target, how, edits)) = near_miss(&entry.name, settings.typosquat_targets) else {
        return Outcome::clean();
    };
    let age_days = match facts.packument {
        Lookup::Found(p) => created_at(p).map(|c| age_hours(facts.now, c) / 24),
        _ => None,
    };
    let severity = if age_days.is_some_and(|d| d > 365) { Severity::Low } else { Severity::Medium };
    let how_text = match how {
        "separator" => "differs only in separators".to_owned(),
        "scope" => format!("has the same name under a scope {edits} edit(s) away"),
        _ => format!("is {edits} edit(s) away"),
    };
    Outcome::finding(
        Finding::builder(SIGNAL.id, severity)
            .message(format!("{} {how_text} from the popular package {target}", entry.name))
            .evidence("name", &entry.name)
            .evidence("popular", target)
            .evidence("kind", how)
            .evidence("edits", edits)
            .evidence("age_days", age_days)
            .build(),
    )
}

/// Separator-insensitive lookup of the list, for tests of the data file.
#[cfg(test)]
fn by_squashed() -> std::collections::HashMap<String, &'static str> {
    popular().names.iter().map(|n| (without_separators(n), *n)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn list_is_bundled() {
        let p = popular();
        assert!(p.names.len() > 10_000, "{}", p.names.len());
        assert_eq!(p.names[0], "semver");
        for name in
            ["lodash", "react", "@types/node", "cross-env", "@typescript-eslint/parser", "axios", "chalk"]
        {
            assert!(is_popular(name), "{name}");
        }
        assert!(by_squashed().contains_key("crossenv"));
    }

    #[test]
    fn distances() {
        assert_eq!(distance_within("electorn", "electron", 2), Some(1));
        assert_eq!(distance_within("lodash", "lodahs", 1), Some(1));
        assert_eq!(distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(distance_within("kitten", "sitting", 2), None);
        assert_eq!(distance_within("", "ab", 2), Some(2));
        assert_eq!(distance_within("abc", "abc", 0), Some(0));
        assert_eq!(distance_within("éa", "aé", 1), Some(1));
    }

    #[test]
    fn near_misses() {
        assert_eq!(near_miss("crossenv", 20_000), Some(("cross-env", "separator", 0)));
        assert_eq!(near_miss("electorn", 20_000).map(|m| (m.0, m.1)), Some(("electron", "edit")));
        assert_eq!(near_miss("@typescript_eslint/parser", 20_000).map(|m| m.1), Some("separator"));
        assert_eq!(
            near_miss("@typescrip-eslint/parser", 20_000).map(|m| (m.0, m.1)),
            Some(("@typescript-eslint/parser", "scope"))
        );
        assert_eq!(near_miss("lodash", 20_000), None);
        assert_eq!(near_miss("my-company-internal-thing", 20_000), None);
        assert_eq!(near_miss("reactt", 20_000).map(|m| (m.0, m.2)), Some(("react", 1)));
        // Popular names under five characters are not edit-distance targets.
        assert!(is_popular("ms") && !is_popular("mq"));
        assert_eq!(near_miss("mq", 20_000), None);
    }

    #[test]
    fn only_additions() {
        let out = eval(&SIGNAL, &added("crossenv", "1.0.0"), None);
        insta::assert_json_snapshot!(findings_json(&out));
        assert_eq!(eval(&SIGNAL, &updated("crossenv", "1.0.0", "1.0.1"), None), Outcome::clean());
        let old = packument(&[("1.0.0", "2015-01-01T00:00:00Z", manifest())]);
        assert_eq!(
            eval(&SIGNAL, &added("crossenv", "1.0.0"), Some(&old)).findings[0].severity,
            Severity::Low
        );
    }
}
