// Copies the browser libraries the server ships from their npm packages into the Python package.
//
//   node scripts/vendor-web.mjs          write src/avatarium/web/static/**/vendor/
//   node scripts/vendor-web.mjs --check  fail if the checked-in copies differ from what this script writes
//
// Files are copied byte for byte, with one exception: three.js's example modules import the
// bare specifier 'three', which a browser resolves only through an import map in the host
// page. Those imports are rewritten to the relative path of the vendored build; nothing else
// in any file changes. Each package's licence is copied beside its files, and MANIFEST.json
// records the package, version, source path, transformation and hashes of every file.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(root, 'node_modules');
const staticDir = join(root, 'src', 'avatarium', 'web', 'static');

/** @param {string} name */
const versionOf = (name) => JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;

const three = versionOf('three');
const swagger = versionOf('swagger-ui-dist');
const redoc = versionOf('redoc');

/** The bare 'three' import of an example module, pointed at the vendored build relative to that module. */
const threeImport = (/** @type {string} */ toBuild) => (/** @type {string} */ text) =>
  text.replace(/from 'three';/g, `from '${toBuild}';`);

/** @type {{dir: string, pkg: string, version: string, files: [string, string, ((t: string) => string)?][]}[]} */
const bundles = [
  {
    dir: join(staticDir, 'sdk', 'vendor', `three-${three}`),
    pkg: 'three',
    version: three,
    files: [
      ['LICENSE', 'LICENSE'],
      ['build/three.core.min.js', 'three.core.min.js'],
      ['build/three.module.min.js', 'three.module.min.js'],
      ['examples/jsm/loaders/GLTFLoader.js', 'loaders/GLTFLoader.js', threeImport('../three.module.min.js')],
      ['examples/jsm/utils/BufferGeometryUtils.js', 'utils/BufferGeometryUtils.js', threeImport('../three.module.min.js')],
    ],
  },
  {
    dir: join(staticDir, 'docs', 'vendor', `swagger-ui-${swagger}`),
    pkg: 'swagger-ui-dist',
    version: swagger,
    files: [
      ['LICENSE', 'LICENSE'],
      ['NOTICE', 'NOTICE'],
      ['swagger-ui-bundle.js', 'swagger-ui-bundle.js'],
      ['swagger-ui-bundle.js.LICENSE.txt', 'swagger-ui-bundle.js.LICENSE.txt'],
      ['swagger-ui.css', 'swagger-ui.css'],
    ],
  },
  {
    dir: join(staticDir, 'docs', 'vendor', `redoc-${redoc}`),
    pkg: 'redoc',
    version: redoc,
    files: [
      ['LICENSE', 'LICENSE'],
      ['bundles/redoc.standalone.js', 'redoc.standalone.js'],
      ['bundles/redoc.standalone.js.LICENSE.txt', 'redoc.standalone.js.LICENSE.txt'],
    ],
  },
];

const sha256 = (/** @type {Buffer | string} */ data) => createHash('sha256').update(data).digest('hex');

/** Every file this script produces: path → bytes. */
function produce() {
  /** @type {Map<string, Buffer>} */
  const out = new Map();
  for (const bundle of bundles) {
    const manifest = { package: bundle.pkg, version: bundle.version, files: /** @type {object[]} */ ([]) };
    for (const [source, target, transform] of bundle.files) {
      const original = readFileSync(join(modules, bundle.pkg, source));
      const written = transform ? Buffer.from(transform(original.toString('utf8')), 'utf8') : original;
      out.set(join(bundle.dir, target), written);
      manifest.files.push({
        source: `${bundle.pkg}/${source}`,
        path: target,
        sha256: sha256(written),
        ...(transform ? { originalSha256: sha256(original), changed: "import from 'three' made relative" } : {}),
      });
    }
    out.set(join(bundle.dir, 'MANIFEST.json'), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  }
  return out;
}

/** @param {string} dir @returns {string[]} */
function listFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

const vendorDirs = [join(staticDir, 'sdk', 'vendor'), join(staticDir, 'docs', 'vendor')];
const wanted = produce();

if (process.argv.includes('--check')) {
  const present = vendorDirs.flatMap(listFiles);
  const problems = [
    ...[...wanted].filter(([path, data]) => !present.includes(path) || !readFileSync(path).equals(data)).map(([p]) => `differs or missing: ${relative(root, p)}`),
    ...present.filter((p) => !wanted.has(p)).map((p) => `not produced by this script: ${relative(root, p)}`),
  ];
  if (problems.length) {
    console.error(problems.join('\n') + '\nRun `npm run vendor` and commit the result.');
    process.exit(1);
  }
  console.log(`vendored files match their npm packages (${wanted.size} files)`);
} else {
  vendorDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  for (const [path, data] of wanted) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  }
  console.log(`wrote ${wanted.size} files`);
}
