//! The public listings, both on the sparse index `gsi3`: agency profiles (partition
//! `AGENCIES`, by agency id) and each agency's publicly visible records (by publication,
//! newest first). GSI reads are eventually consistent: a record just published may take a
//! moment to be listed.

use super::DynamoStore;
use super::item::{decode_agency, s};
use super::keys::{AGENCIES_GSI3PK, Listing, PROFILE_SK, agency_pk, primary};
use super::query::ListingQuery;
use crate::model::{AgencyId, AgencyProfile, Record};
use crate::store::{ListPosition, Page, PublicFilter, PublicIndex, StoreError};

impl PublicIndex for DynamoStore {
    async fn list_agencies(
        &self,
        limit: usize,
        after: Option<&AgencyId>,
    ) -> Result<Page<AgencyProfile, AgencyId>, StoreError> {
        let start = after.map(|after| {
            let mut key = primary(agency_pk(after), PROFILE_SK);
            key.insert("gsi3pk".into(), s(AGENCIES_GSI3PK));
            key.insert("gsi3sk".into(), s(after.as_str()));
            key
        });
        let query = self
            .query()
            .index_name(Listing::PUBLIC_INDEX)
            .key_condition_expression("gsi3pk = :pk")
            .expression_attribute_values(":pk", s(AGENCIES_GSI3PK))
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX));
        let output = self.run_query(query, decode_agency).await?;
        let profiles = output
            .items
            .into_iter()
            .map(|stored| stored.profile)
            .collect();
        Ok(Page::from_overfetch(
            profiles,
            limit,
            |profile: &AgencyProfile| profile.agency.clone(),
        ))
    }

    async fn list_public_records(
        &self,
        agency: &AgencyId,
        filter: &PublicFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> Result<Page<Record, ListPosition>, StoreError> {
        let listing = Listing::public(agency);
        let mut query = self
            .query()
            .index_name(listing.index)
            .expression_attribute_values(":pk", s(&listing.pk))
            .scan_index_forward(false);
        query = match filter.published {
            Some((from, to)) => {
                let (from, to) = Listing::sort_range(from, to);
                query
                    .key_condition_expression(format!(
                        "{} = :pk AND {} BETWEEN :from AND :to",
                        listing.pk_name, listing.sk_name
                    ))
                    .expression_attribute_values(":from", s(from))
                    .expression_attribute_values(":to", s(to))
            }
            None => query.key_condition_expression(format!("{} = :pk", listing.pk_name)),
        };
        if let Some(tag) = &filter.tag {
            query = query
                .filter_expression("contains(tags, :tag)")
                .expression_attribute_values(":tag", s(tag));
        }
        let page = ListingQuery {
            listing,
            query,
            filtered: filter.tag.is_some(),
            position_of: ListPosition::published_after,
        };
        self.list_page(agency, page, limit, after).await
    }
}
