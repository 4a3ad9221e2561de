"""GraphQL documents whose results feed the REST-style webhook payload builders.

Both validate against Shopify's Admin 2026-10 schema without deprecated fields (tested).
"""

from __future__ import annotations

PRODUCT_WEBHOOK_QUERY = """
query ProductWebhookPayload($id: ID!) {
  product(id: $id) {
    id
    legacyResourceId
    title
    handle
    descriptionHtml
    vendor
    productType
    status
    tags
    templateSuffix
    createdAt
    updatedAt
    publishedAt
    hasVariantsThatRequiresComponents
    category { id name fullName }
    options { id name position values }
    media(first: 250) {
      nodes {
        id
        alt
        mediaContentType
        status
        preview { status image { url width height } }
        ... on MediaImage { createdAt updatedAt image { id url width height altText } }
      }
    }
    variants(first: 250) {
      nodes {
        id
        legacyResourceId
        title
        sku
        barcode
        price
        compareAtPrice
        position
        inventoryQuantity
        inventoryPolicy
        taxable
        selectedOptions { name value }
        inventoryItem { id legacyResourceId }
        media(first: 1) { nodes { ... on MediaImage { image { id } } } }
        createdAt
        updatedAt
      }
    }
  }
}
"""

COLLECTION_WEBHOOK_QUERY = """
query CollectionWebhookPayload($id: ID!) {
  collection(id: $id) {
    id
    legacyResourceId
    title
    handle
    descriptionHtml
    sortOrder
    templateSuffix
    updatedAt
    image { id url width height altText }
    sources {
      ... on CollectionConditionsSource {
        inclusion {
          matchType
          conditions {
            __typename
            ... on CollectionSourceInclusionConditionProductTag { tag: relation tags: values }
            ... on CollectionSourceInclusionConditionProductTitle { title: relation titles: values }
            ... on CollectionSourceInclusionConditionProductType { type: relation types: values }
            ... on CollectionSourceInclusionConditionProductVendor {
              vendor: relation vendors: values
            }
            ... on CollectionSourceInclusionConditionVariantTitle {
              variantTitle: relation variantTitles: values
            }
            ... on CollectionSourceInclusionConditionVariantPrice {
              price: relation priceValue: value { amount }
            }
            ... on CollectionSourceInclusionConditionVariantCompareAtPrice {
              compareAtPrice: relation compareAtPriceValue: value { amount }
            }
            ... on CollectionSourceInclusionConditionVariantInventory {
              inventory: relation inventoryValue: value
            }
            ... on CollectionSourceInclusionConditionVariantWeight {
              weight: relation weightValue: value { unit value }
            }
            ... on CollectionSourceInclusionConditionUnknown {
              unknown: relation unknownValues: values
            }
          }
        }
      }
    }
  }
}
"""
