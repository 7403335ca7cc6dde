// Types of ./three.js for `tsc --checkJs` (from @types/three): never served.
export * from 'three';
export { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
