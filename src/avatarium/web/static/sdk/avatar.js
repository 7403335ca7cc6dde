/** The avatar on screen: a GLB in a three.js scene, its mouth driven by the audio clock, blinking and breathing. */
import * as THREE from './three.js';
import { VISEMES, visemeWeights } from './lipsync.js';

/** @typedef {import('./player.js').Player} Player */
/** @typedef {{mesh: THREE.Mesh, visemes: [number, string][], blinks: number[]}} Face */

const BLINK_TARGETS = ['eyeBlinkLeft', 'eyeBlinkRight'];
const BLINK_S = 0.16;
/** How fast the mouth relaxes when speech stops (seconds to fall to 1/e). */
const RELAX_S = 0.06;

export class AvatarView {
  /**
   * @param {HTMLElement} container
   * @param {Player} player
   */
  constructor(container, player) {
    this.player = player;
    this.container = container;
    this.renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(globalThis.devicePixelRatio || 1, 2));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.canvas = this.renderer.domElement;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Avatar');
    this.canvas.style.display = 'block';
    this.canvas.style.width = '100%';
    this.canvas.style.height = '100%';
    container.appendChild(this.canvas);

    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(30, 1, 0.01, 100);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x445066, 2.2));
    const key = new THREE.DirectionalLight(0xffffff, 2.4);
    key.position.set(1.5, 2, 3);
    this.scene.add(key);

    /** @type {THREE.Object3D | null} */
    this.model = null;
    /** @type {Face[]} */
    this.faces = [];
    /** Current weight of each viseme, by name. */
    /** @type {Map<string, number>} */
    this.mouth = new Map();
    this.clock = new THREE.Clock();
    this.nextBlink = 1 + Math.random() * 3;
    this.blinkStart = -1;

    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(container);
    this.resize();
    this.renderer.setAnimationLoop(() => this.frame());
  }

  /**
   * Load a glTF binary and frame its face.
   * @param {string} url
   */
  async load(url) {
    const gltf = await new THREE.GLTFLoader().loadAsync(url);
    if (this.model) this.scene.remove(this.model);
    this.model = gltf.scene;
    this.scene.add(this.model);
    this.faces = findFaces(this.model);
    this.frameFace();
  }

  frameFace() {
    if (!this.model) return;
    this.model.updateWorldMatrix(true, true);
    const target = this.faces[0]?.mesh ?? this.model;
    const box = new THREE.Box3().setFromObject(target);
    // Head and shoulders: the face's box with a margin, whatever the rest of the model is.
    const size = box.getSize(new THREE.Vector3());
    const center = box.getCenter(new THREE.Vector3());
    const height = Math.max(size.y, size.x) * 1.5;
    center.y -= size.y * 0.04; // a little below the face: the neck and shoulders where a model has them
    const distance = height / 2 / Math.tan(THREE.MathUtils.degToRad(this.camera.fov / 2));
    this.camera.position.set(center.x, center.y + size.y * 0.05, box.max.z + distance);
    this.camera.near = distance / 50;
    this.camera.far = distance * 50;
    this.camera.lookAt(center);
    this.camera.updateProjectionMatrix();
  }

  resize() {
    const width = this.container.clientWidth || 300;
    const height = this.container.clientHeight || 300;
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
  }

  frame() {
    const dt = Math.min(this.clock.getDelta(), 0.1);
    const elapsed = this.clock.elapsedTime;
    this.updateMouth(dt);
    this.updateBlink(elapsed);
    if (this.model) {
      // A little life while idle: a slow sway and nod, small enough not to distract.
      this.model.rotation.y = 0.05 * Math.sin(elapsed * 0.45);
      this.model.rotation.x = 0.015 * Math.sin(elapsed * 0.7 + 1);
    }
    this.renderer.render(this.scene, this.camera);
  }

  /** @param {number} dt seconds since the last frame */
  updateMouth(dt) {
    const position = this.player.position();
    if (position) {
      const target = visemeWeights(position.visemes, position.ms);
      for (const name of VISEMES) this.mouth.set(name, target.get(name) ?? 0);
    } else {
      const keep = Math.exp(-dt / RELAX_S);
      for (const [name, weight] of this.mouth) this.mouth.set(name, weight * keep);
    }
    for (const { mesh, visemes } of this.faces) {
      const influences = /** @type {number[]} */ (mesh.morphTargetInfluences);
      for (const [index, name] of visemes) influences[index] = this.mouth.get(name) ?? 0;
    }
  }

  /** @param {number} elapsed */
  updateBlink(elapsed) {
    if (this.blinkStart < 0 && elapsed >= this.nextBlink) {
      this.blinkStart = elapsed;
      this.nextBlink = elapsed + 2 + Math.random() * 4;
    }
    let weight = 0;
    if (this.blinkStart >= 0) {
      const t = (elapsed - this.blinkStart) / BLINK_S;
      weight = t >= 1 ? 0 : Math.sin(Math.PI * t);
      if (t >= 1) this.blinkStart = -1;
    }
    for (const { mesh, blinks } of this.faces) {
      const influences = /** @type {number[]} */ (mesh.morphTargetInfluences);
      for (const index of blinks) influences[index] = weight;
    }
  }

  /** Current weights of the viseme morph targets, read back from the scene's meshes. */
  visemeInfluences() {
    /** @type {Record<string, number>} */
    const out = {};
    for (const { mesh, visemes } of this.faces) {
      const influences = /** @type {number[]} */ (mesh.morphTargetInfluences);
      for (const [index, name] of visemes) out[name] = Math.max(out[name] ?? 0, influences[index]);
    }
    return out;
  }

  dispose() {
    this.renderer.setAnimationLoop(null);
    this.resizer.disconnect();
    this.scene.traverse((object) => {
      if (object instanceof THREE.Mesh) {
        object.geometry.dispose();
        for (const material of [object.material].flat()) material.dispose();
      }
    });
    this.renderer.dispose();
    this.canvas.remove();
  }
}

/**
 * Every mesh with viseme morph targets (GLTFLoader puts `extras.targetNames` in `morphTargetDictionary`).
 * @param {THREE.Object3D} root
 * @returns {Face[]}
 */
function findFaces(root) {
  /** @type {Face[]} */
  const faces = [];
  root.traverse((object) => {
    if (!(object instanceof THREE.Mesh) || !object.morphTargetDictionary || !object.morphTargetInfluences) return;
    const dictionary = object.morphTargetDictionary;
    /** @type {[number, string][]} */
    const visemes = VISEMES.filter((name) => name in dictionary).map((name) => [dictionary[name], name]);
    const blinks = BLINK_TARGETS.filter((name) => name in dictionary).map((name) => dictionary[name]);
    if (visemes.length) faces.push({ mesh: object, visemes, blinks });
  });
  // The face is the mesh with the most visemes (teeth or a tongue may carry a few too).
  return faces.sort((a, b) => b.visemes.length - a.visemes.length);
}
