// Replays a generated week into Kafka as JSON (npm run local): the demo producer of src/demo/replay-week.ts,
// which the image runs compiled (docker-compose's demo-producer).
//   node scripts/local/replay-sample.ts [--dir examples/sample-week] [--rate 200] [--feedback] [--config C]
import { main } from '../../src/demo/replay-week.ts';

await main();
