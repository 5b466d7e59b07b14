// What the search DSLs raise on input they cannot translate. The API answers it as a 400 with the message,
// which names the place in the query (e.g. `query.bool.must[0].term: expected exactly one field`).
export class SearchQueryError extends Error {
  override readonly name = 'SearchQueryError';
}
