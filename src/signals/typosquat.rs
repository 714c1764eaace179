//! typosquat: a newly added package's name is a near miss of a popular package's name.

use super::{Facts, Finding, Lookup, Outcome, Settings, Severity, Signal, age_hours, created_at};
use crate::diff::ChangeKind;
use std::collections::{HashMap, HashSet};
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
    /// Name without separators -> (position, the most popular name that squashes to it).
    squashed: HashMap<String, (usize, &'static str)>,
    /// Positions of the names of each byte length, most popular first.
    by_len: HashMap<usize, Vec<usize>>,
    /// Each name's byte histogram (see [`histogram`]) and the set of its byte classes, same
    /// order as `names`.
    histograms: Vec<Histogram>,
    masks: Vec<u64>,
}

type Histogram = [u8; 40];

/// How often each letter, digit and separator occurs. One edit changes the histogram by at most
/// two (a swap by none), so names whose histograms differ by more than `2 * max` cannot be within
/// `max` edits: a cheap filter before the dynamic programme.
fn histogram(name: &str) -> Histogram {
    let mut h = [0u8; 40];
    for b in name.bytes() {
        let slot = match b {
            b'a'..=b'z' => b - b'a',
            b'0'..=b'9' => 26 + (b - b'0'),
            b'-' => 36,
            b'.' => 37,
            b'_' => 38,
            _ => 39,
        };
        h[usize::from(slot)] = h[usize::from(slot)].saturating_add(1);
    }
    h
}

/// Which slots of the histogram are used: one edit adds or removes at most two, so this cheaper
/// filter runs first.
fn mask(h: &Histogram) -> u64 {
    h.iter().enumerate().filter(|(_, c)| **c > 0).fold(0, |m, (i, _)| m | (1 << i))
}

fn histogram_distance(a: &Histogram, b: &Histogram) -> usize {
    a.iter().zip(b).map(|(x, y)| usize::from(x.abs_diff(*y))).sum()
}

fn popular() -> &'static Popular {
    static POPULAR: OnceLock<Popular> = OnceLock::new();
    POPULAR.get_or_init(|| {
        let names: Vec<&'static str> =
            LIST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        let set = names.iter().copied().collect();
        let mut squashed = HashMap::with_capacity(names.len());
        let mut by_len: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            squashed.entry(without_separators(n)).or_insert((i, *n));
            by_len.entry(n.len()).or_default().push(i);
        }
        let histograms: Vec<Histogram> = names.iter().map(|n| histogram(n)).collect();
        let masks = histograms.iter().map(mask).collect();
        Popular { names, set, squashed, by_len, histograms, masks }
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
/// it exceeds `max`.
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    Dp::default().within(a.as_bytes(), b.as_bytes(), max)
}

/// Reusable rows for the banded dynamic programme: comparing one name with thousands of popular
/// ones must not allocate per comparison.
#[derive(Default)]
struct Dp {
    prev2: Vec<usize>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

impl Dp {
    /// Only cells within `max` of the diagonal can stay within `max`; rows stop early once every
    /// cell of the band is over it. Works on bytes (npm names are ASCII).
    fn within(&mut self, a: &[u8], b: &[u8], max: usize) -> Option<usize> {
        let (n, m) = (a.len(), b.len());
        if n.abs_diff(m) > max {
            return None;
        }
        let inf = max + 1;
        for row in [&mut self.prev2, &mut self.prev, &mut self.cur] {
            row.clear();
            row.resize(m + 1, inf);
        }
        for j in 0..=m.min(max) {
            self.prev[j] = j;
        }
        for i in 1..=n {
            let lo = i.saturating_sub(max).max(1);
            let hi = (i + max).min(m);
            self.cur[0] = if i <= max { i } else { inf };
            if lo > 1 {
                self.cur[lo - 1] = inf;
            }
            let mut row_min = self.cur[0];
            for j in lo..=hi {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (self.prev[j] + 1).min(self.cur[j - 1] + 1).min(self.prev[j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(self.prev2[j - 2] + 1);
                }
                let v = v.min(inf);
                self.cur[j] = v;
                row_min = row_min.min(v);
            }
            if hi < m {
                self.cur[hi + 1] = inf;
            }
            if row_min > max {
                return None;
            }
            std::mem::swap(&mut self.prev2, &mut self.prev);
            std::mem::swap(&mut self.prev, &mut self.cur);
        }
        let d = self.prev[m];
        (d <= max).then_some(d)
    }
}

/// The most popular of the first `targets` names that `name` is a near miss of, and how.
pub fn near_miss(name: &str, targets: usize) -> Option<(&'static str, &'static str, usize)> {
    let popular = popular();
    if popular.set.contains(name) {
        return None;
    }
    // (position, name, kind, edits) of the best match so far: the most popular wins.
    let mut best: Option<(usize, &'static str, &'static str, usize)> = popular
        .squashed
        .get(&without_separators(name))
        .filter(|(i, _)| *i < targets)
        .map(|&(i, t)| (i, t, "separator", 0));
    let (scope, bare) = split_scope(name);
    let own = histogram(name);
    let own_mask = mask(&own);
    let mut dp = Dp::default();
    // Both other checks need the lengths within two of each other.
    for len in name.len().saturating_sub(2)..=name.len() + 2 {
        for &i in popular.by_len.get(&len).map(Vec::as_slice).unwrap_or_default() {
            if i >= targets || best.is_some_and(|b| b.0 <= i) {
                break;
            }
            // Four changes at most: two edits in the scope, or two in the name.
            if (own_mask ^ popular.masks[i]).count_ones() > 4
                || histogram_distance(&own, &popular.histograms[i]) > 4
            {
                continue;
            }
            let target = popular.names[i];
            let (t_scope, t_bare) = split_scope(target);
            if let (Some(s), Some(ts)) = (scope, t_scope)
                && bare == t_bare
                && let Some(d) = dp.within(s.as_bytes(), ts.as_bytes(), 2)
            {
                best = Some((i, target, "scope", d));
                break;
            }
            let max = match target.len() {
                0..5 => continue,
                5..9 => 1,
                _ => 2,
            };
            if let Some(d) = dp.within(name.as_bytes(), target.as_bytes(), max) {
                best = Some((i, target, "edit", d));
                break;
            }
        }
    }
    best.map(|(_, t, kind, d)| (t, kind, d))
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
        assert_eq!(popular().squashed.get("crossenv"), Some(&(1930, "cross-env")));
    }

    #[test]
    fn distances() {
        assert_eq!(distance_within("electorn", "electron", 2), Some(1));
        assert_eq!(distance_within("lodash", "lodahs", 1), Some(1));
        assert_eq!(distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(distance_within("kitten", "sitting", 2), None);
        assert_eq!(distance_within("", "ab", 2), Some(2));
        assert_eq!(distance_within("abc", "abc", 0), Some(0));
        assert_eq!(distance_within("ab", "ba", 1), Some(1));
        assert_eq!(distance_within("abcdef", "abdcef", 1), Some(1));
        assert_eq!(distance_within("abcdefghij", "abcdefghij", 2), Some(0));
        assert_eq!(distance_within("abcdefghij", "xbcdefghiy", 2), Some(2));
        assert_eq!(distance_within("abcdefghij", "xbcdefghyy", 2), None);
        assert_eq!(distance_within("abc", "", 3), Some(3));
        // Agrees with the plain dynamic programme on every pair of short strings.
        let words = ["", "a", "ab", "ba", "abc", "acb", "bca", "abcd", "abdc", "xabc", "abcx", "axc", "aabb"];
        for x in words {
            for y in words {
                let full = full_osa(x.as_bytes(), y.as_bytes());
                for max in 0..4 {
                    assert_eq!(
                        distance_within(x, y, max),
                        (full <= max).then_some(full),
                        "{x:?} {y:?} {max}"
                    );
                }
            }
        }
    }

    fn full_osa(a: &[u8], b: &[u8]) -> usize {
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
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
        // Limited to the most popular names.
        assert_eq!(near_miss("electorn", 5000), None);
        assert_eq!(near_miss("crossenv", 1000), None);
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
