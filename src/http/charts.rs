//! Charts of the indicators page, drawn on the server as SVG with
//! `plotters`: readable without JavaScript, printed as they are, and
//! accessible (the SVG is an image with a title and a description, and the
//! page gives the same figures as a table beside it). Text is left to the
//! browser: the SVG names a font family and no font is loaded here.

use plotters::prelude::*;

/// A series of bars: its label in the legend, and its colour.
pub struct Series<'a> {
    pub label: &'a str,
    pub colour: RGBColor,
}

/// The chart's accessible name and description, in the page's language.
pub struct Described<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
}

/// Colours told apart by people with the common colour-vision deficiencies
/// (Okabe–Ito), darkest first.
pub const PALETTE: [RGBColor; 4] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
];

/// The value axis: from 0 to `max`, with `ticks` labels written by `label`.
pub struct Scale {
    pub max: f64,
    pub ticks: usize,
    pub label: fn(&f64) -> String,
}

impl Scale {
    /// Percentages, 0 to 100.
    pub const PERCENT: Self = Self {
        max: 100.0,
        ticks: 6,
        label: |x| format!("{x:.0} %"),
    };
    /// A mean score from 1 to 5, on an axis from 0.
    pub const SCORE: Self = Self {
        max: 5.0,
        ticks: 6,
        label: |x| format!("{x:.0}"),
    };
}

/// Horizontal grouped bars, one group per row (e.g. a team), one bar per
/// series (e.g. invited, started, completed), as percentages from 0 to 100.
pub fn grouped_percent_bars(
    described: &Described<'_>,
    rows: &[(String, Vec<f64>)],
    series: &[Series<'_>],
) -> Result<String, String> {
    grouped_bars(described, rows, series, &Scale::PERCENT)
}

/// Horizontal grouped bars on the value axis `scale`.
pub fn grouped_bars(
    described: &Described<'_>,
    rows: &[(String, Vec<f64>)],
    series: &[Series<'_>],
    scale: &Scale,
) -> Result<String, String> {
    let per_group = series.len().max(1);
    let bar = 14u32;
    let group = bar * per_group as u32 + 12;
    let height = 70 + group * rows.len().max(1) as u32 + 30;
    let width = 720u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let groups = rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(160)
            // Row i is centred on y = groups - 1 - i (top down), so that
            // the axis' labels fall on whole numbers.
            .build_cartesian_2d(0f64..scale.max, -0.5f64..groups - 0.5)
            .map_err(|e| e.to_string())?;
        let names: Vec<String> = rows.iter().map(|(n, _)| n.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(scale.ticks)
            .x_label_formatter(&scale.label)
            .y_labels(rows.len().max(1))
            .y_label_formatter(&|y| {
                let i = groups - 1.0 - y;
                if y.fract().abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                    names[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_label_style(("sans-serif", 13))
            .x_label_style(("sans-serif", 12))
            .draw()
            .map_err(|e| e.to_string())?;
        let slot = 1.0 / (per_group as f64 + 1.0);
        for (s, serie) in series.iter().enumerate() {
            let colour = serie.colour;
            let bars = rows.iter().enumerate().map(move |(i, (_, values))| {
                let top = groups - 0.5 - i as f64 - slot * (s as f64 + 0.5);
                let value = values.get(s).copied().unwrap_or(0.0).clamp(0.0, scale.max);
                Rectangle::new([(0.0, top - slot * 0.9), (value, top)], colour.filled())
            });
            chart
                .draw_series(bars)
                .map_err(|e| e.to_string())?
                .label(serie.label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(accessible(&svg, described))
}

/// The SVG as an image with a name and a description: `role="img"`,
/// `<title>` and `<desc>` referenced by `aria-labelledby`.
fn accessible(svg: &str, d: &Described<'_>) -> String {
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j))
    else {
        return svg.to_owned();
    };
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let id = escape(d.id);
    format!(
        "{} role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" class=\"chart\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        &svg[..open_end],
        escape(d.title),
        escape(d.description),
        &svg[open_end + 1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_drawn_to_their_values_with_the_rows_named_and_the_chart_described() {
        let svg = grouped_percent_bars(
            &Described {
                id: "reach",
                title: "Reach <by team>",
                description: "Invited, started, completed",
            },
            &[
                ("Accueil".into(), vec![75.0, 50.0, 25.0]),
                ("Finances".into(), vec![100.0, 0.0, 0.0]),
            ],
            &[
                Series {
                    label: "invited",
                    colour: PALETTE[0],
                },
                Series {
                    label: "started",
                    colour: PALETTE[1],
                },
                Series {
                    label: "completed",
                    colour: PALETTE[2],
                },
            ],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains(r#"role="img" aria-labelledby="reach-title reach-desc""#));
        assert!(svg.contains(r#"<title id="reach-title">Reach &lt;by team&gt;</title>"#));
        // plotters writes each text on a line of its own.
        assert!(
            svg.contains(">\nAccueil\n<") && svg.contains(">\nFinances\n<"),
            "{svg}"
        );
        assert!(svg.contains(">\ncompleted\n<"), "{svg}");
        // The first series: a bar per row and its legend key.
        let blue = svg.matches(r##"fill="#0072B2""##).count();
        assert_eq!(blue, 3, "{svg}");
    }
}
