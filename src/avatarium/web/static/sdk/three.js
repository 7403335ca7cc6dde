// The vendored three.js and its GLTFLoader, in one place: their version is named here only.
export * from './vendor/three-0.180.0/three.module.min.js';
export { GLTFLoader } from './vendor/three-0.180.0/loaders/GLTFLoader.js';
