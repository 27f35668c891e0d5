export { openLayout, LayoutStore, type OpenLayoutOptions } from './layout-store.js';
export { DirectoryLocks } from './locks.js';
export { MANIFEST_SIZE_LIMIT, type BlobBody } from './blob.js';
export { assertLayoutTag, isRefName } from './tag.js';
