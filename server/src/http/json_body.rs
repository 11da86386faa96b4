//! The one JSON-body extractor of the API: a body that is not the expected JSON is answered with
//! a 400 [`ApiFailure`] saying what is wrong, the same way for every handler.

use super::ApiFailure;
use axum::Json;
use axum::extract::{FromRequest, Request};
use kontor_protocol::api::ApiErrorCode;
use serde::de::DeserializeOwned;

/// A request body read as JSON into `T`.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(e) => Err(ApiFailure::bad(
                ApiErrorCode::BadRequest,
                format!("The request body is not valid: {}", e.body_text()),
            )),
        }
    }
}
