// A firmware plugin (docs/firmware-plugins.md): hostboot that "forgets" the last MDST/MDDT pair,
// the kind of off-by-one a table walk gets wrong. Run it with:
//   npx mpipl-sim run --seed 1 --firmware ./examples/hostboot-skips-last-region.js
export default function firmware({ reference, classes }) {
  class ForgetfulHostboot extends classes.ReferenceHostboot {
    readPairs(p, base) {
      // Walk one entry fewer than act_cnt says.
      return super.readPairs(p, base).slice(0, -1);
    }
  }
  return { ...reference, name: 'example-hostboot-skips-last-region', makeHostboot: () => new ForgetfulHostboot() };
}
