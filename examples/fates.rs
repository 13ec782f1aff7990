fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = rbc::source::Source::load(std::path::Path::new(&path)).unwrap();
    let c = rbc::planner::compile(&src);
    for (i, f) in &c.fates {
        let e = &c.document.elements[*i];
        let t: String = match &e.kind {
            rbc::document::ElementKind::Code { content, .. } => {
                content.lines().next().unwrap_or("").to_string()
            }
            _ => e.text().lines().next().unwrap_or("").to_string(),
        };
        println!(
            "L{:<4} {:<20} {}",
            e.line,
            format!("{:?}", f).chars().take(20).collect::<String>(),
            t.chars().take(60).collect::<String>()
        );
    }
}
