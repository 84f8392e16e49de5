import type { SortKey } from '../ports/document-store.js';

export interface PageRequest {
  skip: number;
  limit: number;
  sort: string;
}

export interface PageResult<T> {
  items: T[];
  total: number;
  skip: number;
  limit: number;
  has_more: boolean;
}

/** "-created_at" -> [{ field: 'created_at', direction: -1 }] */
export function parseSort(sort: string): SortKey[] {
  return sort.startsWith('-') ? [{ field: sort.slice(1), direction: -1 }] : [{ field: sort, direction: 1 }];
}

export function toPage<T>(items: T[], total: number, request: PageRequest): PageResult<T> {
  return { items, total, skip: request.skip, limit: request.limit, has_more: request.skip + items.length < total };
}
