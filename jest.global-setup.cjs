module.exports = async function reportNodeLegs() {
  try {
    require.resolve('@tensorflow/tfjs-node');
    console.log('\n[backends] tfjs-node leg: running (tensorflow backend registered)');
  } catch {
    console.log('\n[backends] tfjs-node leg: skipped (@tensorflow/tfjs-node is not installed here; its install downloads libtensorflow)');
  }
};
