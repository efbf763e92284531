//! The error answers every operation can give, written into the OpenAPI document once instead of
//! on each handler: errors are RFC 9457 problem documents (`application/problem+json`); a
//! signed-in operation may answer 401 (no or an expired session), 403 (the account may not do
//! this) and 404 (not there, or not yours — the same answer); a request with a body may answer
//! 400 (malformed), 413 (too large), 415 (not JSON) and 422 (invalid values), and one with query
//! parameters 400 and 422. The API fuzz run (`.ci/api-fuzz.sh`) holds the server to this.

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

pub const PROBLEM_JSON: &str = "application/problem+json";

pub struct ProblemResponses;

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in operations(item) {
                document(op);
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn document(op: &mut Operation) {
    let signed_in = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_query = op
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let mut add = Vec::new();
    if signed_in {
        add.extend([
            ("401", "Not signed in, or the session has ended."),
            ("403", "This account may not do this."),
            ("404", "Not found, or not yours (the same answer)."),
        ]);
    }
    if has_body || has_query {
        add.extend([
            ("400", "The request could not be read."),
            ("422", "Some values need another look; each is named."),
        ]);
    }
    if has_body {
        add.extend([
            (
                "413",
                "The request body is larger than the configured limit.",
            ),
            ("415", "The request body is not JSON."),
        ]);
    }
    for (status, description) in add {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(problem_response(description)));
    }
    // Errors carry the problem media type, whatever the handler's annotation defaulted to.
    for (status, response) in op.responses.responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if let (true, RefOr::T(response)) = (is_error, response)
            && let Some(content) = response.content.shift_remove("application/json")
        {
            response.content.insert(PROBLEM_JSON.to_string(), content);
        }
    }
}

fn problem_response(description: &str) -> Response {
    let mut response = Response::new(description);
    response.content.insert(
        PROBLEM_JSON.to_string(),
        Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem")))),
    );
    response
}
