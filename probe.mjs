import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
const P = (c) => `permit(principal,action,resource) when { ${c} };`;
for (const t of [P('[1, 2,] == [1]'), P('[1,] == [1]'), P('[,] == []'), P('{a: 1,} == {a: 1}'), P('{,} == {}'), P('ip("1.1.1.1",).isIpv4()'), P('[1].contains(1,)'),
  'permit(principal, action in [Action::"a",], resource);', 'permit(principal, action in [,], resource);', 'permit(principal, action, resource,);', 'permit(principal, action, resource) when { true } ;;'])
 { const r = cedar.checkParsePolicySet({ staticPolicies: t }); console.log(t.padEnd(80), r.type === 'success' ? 'ok' : r.errors[0].message.slice(34, 120)); }
for (const ents of [
  [{uid:{type:'Action',id:'a'}, attrs:{}, parents:[{type:'Photo',id:'p'}]}],
  [{uid:{type:'Action',id:'a'}, attrs:{}, parents:[{type:'NS::Action',id:'p'}]}],
  [{uid:{type:'NS::Action',id:'a'}, attrs:{}, parents:[{type:'Action',id:'p'}]}],
  [{uid:{type:'NS::Action',id:'a'}, attrs:{}, parents:[{type:'User',id:'p'}]}],
  [{uid:{type:'User',id:'a'}, attrs:{}, parents:[{type:'Action',id:'p'}]}],
  [{uid:{type:'Actions',id:'a'}, attrs:{}, parents:[{type:'User',id:'p'}]}],
  [{uid:{type:'Action::X',id:'a'}, attrs:{}, parents:[{type:'User',id:'p'}]}],
])  { const r = cedar.checkParseEntities({entities: ents}); console.log(JSON.stringify(ents).padEnd(100), r.type === 'success' ? 'ok' : r.errors[0].message.slice(0, 100)); }
