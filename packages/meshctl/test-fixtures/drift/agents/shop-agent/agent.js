import { fakeAgent } from '../../../fake-agent.js';

export const agent = fakeAgent('shop-agent', ['shop_buy'], ['data_get', 'mail_send']);
