export { FakeIpvs } from './ipvs';
export { FakeMarks } from './marks';
