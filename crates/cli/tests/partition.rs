//! `faultline partition`: the book's experiment on the book's word list
//! (Webster's Second, /usr/share/dict/web2, which scripts/install installs
//! from Debian's miscfiles), and its errors.

use std::process::Command;

fn faultline(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_faultline")).arg("partition").args(args).output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

/// The relocated percentage printed after the strategy's heading.
fn relocated(stdout: &str, strategy: &str) -> f64 {
    let section = stdout.split("\n\n").find(|s| s.starts_with(strategy)).unwrap_or_else(|| panic!("no {strategy}"));
    let line = section.lines().find(|l| l.trim_start().starts_with("relocated:")).unwrap();
    line.trim().trim_start_matches("relocated:").trim().trim_end_matches('%').parse().unwrap()
}

#[test]
fn five_to_six_partitions_reproduces_the_book() {
    assert!(
        std::path::Path::new("/usr/share/dict/web2").exists(),
        "the word list is missing: scripts/install installs it (Debian's miscfiles)"
    );
    let (ok, stdout, stderr) = faultline(&[]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("words: /usr/share/dict/web2, 234937 words, lower-cased"), "{stdout}");
    // (strategy, the book's figure, how close): the book's list is the
    // same, its hash and ring are not.
    let cases = [
        ("range by first letter", 51.4, 0.5),
        ("hash mod n", 83.3, 1.0),
        ("consistent hashing", 18.5, 3.0),
        ("directory", 100.0 / 6.0, 0.1),
    ];
    for (strategy, book, within) in cases {
        let measured = relocated(&stdout, strategy);
        assert!((measured - book).abs() <= within, "{strategy}: {measured}% moved, the book {book}%");
    }
    // Six counts per line at 6 partitions, five at 5.
    let range = stdout.split("\n\n").find(|s| s.starts_with("range")).unwrap();
    assert!(range.contains("    5 partitions: ") && range.contains("    6 partitions: "), "{range}");
}

#[test]
fn bad_input_is_refused_with_the_flag_named() {
    let cases: [(&[&str], &str); 6] = [
        (&["--from", "0"], "--from: must be at least 1"),
        (&["--to", "1001"], "--to: must be at most 1000, found 1001"),
        (&["--to", "x"], "--to: expected a whole number, found x"),
        (&["--virtual-nodes", "0"], "--virtual-nodes: must be at least 1"),
        (&["--words", "/nonexistent/words"], "cannot read the word list /nonexistent/words"),
        (&["--partitions", "5"], "unknown option --partitions"),
    ];
    for (args, said) in cases {
        let (ok, _, stderr) = faultline(args);
        assert!(!ok, "{args:?} was accepted");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
}

#[test]
fn a_word_list_too_big_to_be_one_is_refused_before_it_is_read() {
    let path = std::env::temp_dir().join(format!("faultline-huge-words-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(64 * 1024 * 1024 + 1).unwrap(); // sparse: nothing written
    let (ok, _, stderr) = faultline(&["--words", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert!(!ok);
    assert!(stderr.contains("67108865 bytes, more than the 67108864 a word list may have"), "{stderr}");
}
