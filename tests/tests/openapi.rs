//! `openapi.yaml` and `template.yaml` describe the same API: every route the template
//! deploys is in the contract's `paths`, and nothing else is; every problem `type` the code
//! can answer with is one the contract names. (That the contract is valid OpenAPI 3.1 and
//! that the running API keeps it is checked by `schemathesis.rs`.)

use std::collections::BTreeSet;

use dossier_tests::workspace_root;
use shared::error::{ApiError, PROBLEM_TYPE_BASE};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn read(name: &str) -> String {
    std::fs::read_to_string(workspace_root().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `METHOD /path` of every operation under `paths:`: a deliberately small reader of the
/// contract's layout (two-space indents, a path per line, its methods one level in).
fn spec_routes(text: &str) -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
    let mut path: Option<String> = None;
    let paths = text
        .lines()
        .skip_while(|line| line.trim_end() != "paths:")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' ') || line.starts_with('#'));
    for line in paths {
        let line = line.trim_end();
        let key = |indent: usize| {
            let rest = line.strip_prefix(&" ".repeat(indent))?;
            let key = rest.strip_suffix(':')?;
            (!rest.starts_with(' ') && !rest.starts_with('#'))
                .then(|| key.trim_matches(['\'', '"']))
        };
        if let Some(key) = key(2) {
            assert!(key.starts_with('/'), "not a path under paths: {line:?}");
            path = Some(key.to_owned());
        } else if let (Some(method), Some(path)) = (key(4), &path)
            && METHODS.contains(&method)
        {
            routes.insert(format!("{} {path}", method.to_ascii_uppercase()));
        }
    }
    routes
}

/// `METHOD /path` of every HTTP API event in the template (its fixed one-line layout).
fn template_routes(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| {
            let rest = line
                .trim()
                .strip_prefix("Properties: { ApiId: !Ref HttpApi, Method: ")?;
            let (method, rest) = rest.split_once(", Path: \"")?;
            let path = rest.split('"').next()?;
            Some(format!("{method} {path}"))
        })
        .collect()
}

#[test]
fn the_contract_has_exactly_the_template_routes() {
    let spec = spec_routes(&read("openapi.yaml"));
    let template = template_routes(&read("template.yaml"));
    assert!(
        template.len() >= 9,
        "the template reader found too few routes: {template:?}"
    );
    let undocumented: Vec<_> = template.difference(&spec).collect();
    let not_deployed: Vec<_> = spec.difference(&template).collect();
    assert!(
        undocumented.is_empty() && not_deployed.is_empty(),
        "template.yaml routes missing from openapi.yaml: {undocumented:?}; \
         openapi.yaml paths that template.yaml does not deploy: {not_deployed:?}"
    );
}

#[test]
fn the_readers_see_a_missing_or_extra_route() {
    let spec = "openapi: 3.1.0\npaths:\n  /records:\n    # a comment\n    get:\n      summary: x\n\n    post:\n      summary: y\n  '/records/{id}':\n    parameters: []\n    delete:\n      summary: z\ncomponents:\n  /records/{x}:\n    get: {}\n";
    assert_eq!(
        spec_routes(spec),
        BTreeSet::from([
            "GET /records".to_owned(),
            "POST /records".to_owned(),
            "DELETE /records/{id}".to_owned(),
        ])
    );
    let template = "      Events:\n        Api:\n          Type: HttpApi\n          Properties: { ApiId: !Ref HttpApi, Method: GET, Path: \"/records\" }\n";
    let template = template_routes(template);
    assert_eq!(template, BTreeSet::from(["GET /records".to_owned()]));
    assert_ne!(spec_routes(spec), template);
}

#[test]
fn every_problem_type_is_in_the_contract() {
    let spec = read("openapi.yaml");
    let all = [
        ApiError::invalid("title", "too long"),
        ApiError::Unauthorized(String::new()),
        ApiError::Forbidden(String::new()),
        ApiError::NotFound,
        ApiError::Conflict(String::new()),
        ApiError::PreconditionFailed,
        ApiError::PreconditionRequired,
        ApiError::IdempotencyKeyReused,
        ApiError::PayloadTooLarge(1),
        ApiError::UnsupportedMediaType(String::new()),
        ApiError::Internal(String::new()),
        ApiError::Unavailable(String::new()),
    ];
    for error in all {
        let listed = format!("            - {PROBLEM_TYPE_BASE}{}\n", error.kind());
        assert!(
            spec.contains(&listed),
            "openapi.yaml's Problem.type does not list {}",
            listed.trim()
        );
        let status = format!("{}", error.status());
        assert!(
            spec.contains(&format!("'{status}':")),
            "no operation of openapi.yaml answers {status}"
        );
    }
}
