//! The README's section on a tool, as the man page uses it: its prose
//! (DESCRIPTION) and its shell examples (EXAMPLES). The README stays the
//! one place where a tool is described at length.

/// The README, as the pages are built from it.
pub const README: &str = include_str!("../../../README.md");

/// What one section of the README holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Section {
    /// Paragraphs of prose, each as its lines (joined by `\n`).
    pub prose: Vec<String>,
    /// The code blocks marked `sh` or `console`; blocks without a
    /// language (the synopses) are left out: the option table gives those.
    pub examples: Vec<String>,
}

/// The section of `readme` headed `## TITLE` (or `## TITLE: ...`).
pub fn section(readme: &str, title: &str) -> Option<Section> {
    let mut lines = readme.lines();
    lines.by_ref().find(|line| {
        line.strip_prefix("## ").is_some_and(|heading| {
            heading == title
                || heading
                    .strip_prefix(title)
                    .is_some_and(|r| r.starts_with(':'))
        })
    })?;
    let mut section = Section::default();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut block: Option<(bool, Vec<&str>)> = None;
    for line in lines {
        if let Some((keep, code)) = &mut block {
            if line.starts_with("```") {
                if *keep {
                    section.examples.push(code.join("\n") + "\n");
                }
                block = None;
            } else {
                code.push(line);
            }
        } else if let Some(language) = line.strip_prefix("```") {
            end_paragraph(&mut section, &mut paragraph);
            block = Some((matches!(language, "sh" | "console"), Vec::new()));
        } else if line.starts_with("# ") || line.starts_with("## ") {
            break;
        } else if line.trim().is_empty() {
            end_paragraph(&mut section, &mut paragraph);
        } else {
            paragraph.push(line);
        }
    }
    end_paragraph(&mut section, &mut paragraph);
    Some(section)
}

fn end_paragraph(section: &mut Section, paragraph: &mut Vec<&str>) {
    if !paragraph.is_empty() {
        section.prose.push(paragraph.join("\n"));
        paragraph.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# tools

## a: the first

```
a [-x]
```

Does a.
Really.

```console
# a
```

Then more.

## b

Bee.
";

    #[test]
    fn a_section_is_its_prose_and_examples() {
        let a = section(TEXT, "a").unwrap();
        assert_eq!(a.prose, ["Does a.\nReally.", "Then more."]);
        assert_eq!(a.examples, ["# a\n"]);
        assert_eq!(section(TEXT, "b").unwrap().prose, ["Bee."]);
        assert_eq!(section(TEXT, "c"), None);
        assert_eq!(section(TEXT, "a: the"), None);
    }

    #[test]
    fn every_tool_has_a_section_in_the_readme() {
        for name in crate::tools::binaries() {
            let section = section(README, name).unwrap_or_else(|| panic!("## {name}"));
            assert!(!section.prose.is_empty(), "{name}");
        }
    }
}
