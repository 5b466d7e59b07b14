// What retrieval raises when it cannot search as asked (a datasource or request filter it cannot read).
export class RetrievalError extends Error {
  override readonly name = 'RetrievalError';
}
