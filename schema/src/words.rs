//! Optional words written as a word of their own when absent: the base
//! case's `wait_class` and `batching` are `"none"`, an unavailable
//! counter's `source` is `""`. `Option<T>` in code, the same strings in
//! files.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

fn write<S: Serializer, T: Serialize>(
    value: &Option<T>,
    word: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => value.serialize(serializer),
        None => serializer.serialize_str(word),
    }
}

fn read<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
    word: &str,
) -> Result<Option<T>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if text == word {
        return Ok(None);
    }
    let value = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(&text);
    T::deserialize(value).map(Some).map_err(D::Error::custom)
}

/// `None` written as `"none"`.
pub mod none {
    use serde::de::DeserializeOwned;
    use serde::{Deserializer, Serialize, Serializer};

    use super::{read, write};

    /// Writes `value`, or `"none"`.
    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        write(value, "none", serializer)
    }

    /// Reads a value; `"none"`, `null` or nothing is `None`.
    pub fn deserialize<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        read(deserializer, "none")
    }
}

/// `None` written as `""`.
pub mod empty {
    use serde::de::DeserializeOwned;
    use serde::{Deserializer, Serialize, Serializer};

    use super::{read, write};

    /// Writes `value`, or `""`.
    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        write(value, "", serializer)
    }

    /// Reads a value; `""`, `null` or nothing is `None`.
    pub fn deserialize<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        read(deserializer, "")
    }
}
