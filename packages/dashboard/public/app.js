// BigEd CC dashboard page: plain JS, no build step. Data from the JSON API, live updates from /api/stream.
// The token (for POSTs) comes from `#token=<token>` once, or the Token button, and stays in localStorage.
(() => {
  const TOKEN_KEY = 'biged.dashboard.token';
  const STATUSES = [
    'PENDING',
    'BLOCKED',
    'RUNNING',
    'WAITING_HUMAN',
    'DONE',
    'FAILED',
    'CANCELLED',
    'SKIPPED',
  ];
  const MAX_TASKS = 200;
  const $ = (id) => document.getElementById(id);

  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) {
    localStorage.setItem(TOKEN_KEY, hash.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = () => localStorage.getItem(TOKEN_KEY) || '';

  const state = { tasks: new Map(), agents: new Map(), alerts: new Map(), hitl: new Map(), counts: {} };

  function toast(message) {
    const element = $('toast');
    element.textContent = message;
    element.classList.add('show');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => element.classList.remove('show'), 4000);
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
    return body;
  }

  async function post(url, json) {
    if (!token()) askToken();
    const headers = { Authorization: `Bearer ${token()}` };
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(url, {
      method: 'POST',
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      toast(
        body.error
          ? `${body.error.message}${body.error.hint ? ` (${body.error.hint})` : ''}`
          : `HTTP ${response.status}`,
      );
      if (response.status === 401) localStorage.removeItem(TOKEN_KEY);
      return undefined;
    }
    if (body.message) toast(body.message);
    return body;
  }

  function askToken() {
    const value = prompt('Dashboard token (biged dashboard --print-token):', '');
    if (value) localStorage.setItem(TOKEN_KEY, value.trim());
  }

  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
  const el = (tag, attributes = {}, ...children) => {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === 'class') element.className = value;
      else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
      else element.setAttribute(key, value);
    }
    for (const child of children)
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return element;
  };

  // --- rendering ---
  function renderCounts() {
    const box = $('counts');
    box.replaceChildren(
      ...STATUSES.map((status) =>
        el(
          'div',
          { class: 'count', 'data-count': status },
          el('b', {}, state.counts[status] ?? 0),
          el('span', {}, status),
        ),
      ),
    );
  }

  function renderAgents() {
    const agents = [...state.agents.values()].sort((a, b) => a.name.localeCompare(b.name));
    $('agents').replaceChildren(
      ...(agents.length === 0
        ? [el('div', { class: 'agent' }, 'no agents registered: start the fleet with `biged up`')]
        : agents.map((agent) =>
            el(
              'div',
              { class: 'agent', 'data-agent': agent.name, 'data-status': agent.status },
              el('div', { class: 'name' }, `${agent.name} `, el('span', { class: 'status' }, agent.status)),
              el(
                'div',
                { class: 'meta' },
                `${agent.role} · pid ${agent.pid ?? '–'} · ${agent.currentTaskId ? `task #${agent.currentTaskId}` : 'no task'}`,
              ),
              el(
                'div',
                { class: 'meta' },
                `heartbeat ${time(agent.lastHeartbeat) || '–'} · restarts ${agent.restarts}`,
              ),
              el(
                'button',
                {
                  type: 'button',
                  onclick: () => post(`/api/fleet/worker/${encodeURIComponent(agent.name)}/restart`),
                },
                'Restart',
              ),
            ),
          )),
    );
  }

  function renderTasks() {
    const tasks = [...state.tasks.values()].sort((a, b) => b.id - a.id).slice(0, MAX_TASKS);
    $('tasks').replaceChildren(
      ...tasks.map((task) =>
        el(
          'tr',
          { 'data-task-id': task.id, 'data-status': task.status },
          el('td', {}, task.id),
          el('td', {}, task.skill),
          el('td', {}, el('span', { class: `status ${task.status}` }, task.status)),
          el('td', {}, task.claimedBy ?? ''),
          el('td', {}, `${task.attempts}/${task.maxAttempts}`),
          el('td', {}, time(task.createdAt)),
          el('td', {}, time(task.finishedAt)),
        ),
      ),
    );
  }

  function renderAlerts() {
    const alerts = [...state.alerts.values()]
      .filter((alert) => !alert.acknowledgedAt)
      .sort((a, b) => b.id - a.id);
    $('alerts').replaceChildren(
      ...(alerts.length === 0
        ? [el('li', { class: 'empty' }, 'no active alerts')]
        : alerts.map((alert) =>
            el(
              'li',
              { 'data-alert-id': alert.id },
              el('span', { class: `sev ${alert.severity}` }, alert.severity),
              el(
                'span',
                { class: 'msg' },
                `${alert.message} `,
                el('small', {}, `${alert.source} · ${time(alert.createdAt)}`),
              ),
              el(
                'button',
                { type: 'button', 'data-ack': alert.id, onclick: () => acknowledge(alert.id) },
                'Acknowledge',
              ),
            ),
          )),
    );
  }

  // Agent requests: questions skills asked a human (HITL), open ones first; approve or reject in place.
  function renderHitl() {
    const open = [...state.hitl.values()].filter((request) => request.status === 'open');
    open.sort((a, b) => a.id - b.id);
    $('hitl-count').textContent = open.length ? `${open.length} open` : '';
    $('hitl').replaceChildren(
      ...(open.length === 0
        ? [el('li', { class: 'empty' }, 'no open requests')]
        : open.map((request) => {
            const note = el('input', {
              type: 'text',
              maxlength: '8192',
              placeholder: 'note or reason (optional)',
              'aria-label': `answer to request ${request.id}`,
            });
            const reply = (status) => answerHitl(request.id, status, note.value.trim());
            return el(
              'li',
              { 'data-hitl-id': request.id },
              el('div', { class: 'question' }, request.question),
              el('small', {}, `${request.agent} · task #${request.taskId} · ${time(request.createdAt)}`),
              request.context
                ? el('pre', { class: 'context' }, JSON.stringify(request.context, null, 2).slice(0, 2000))
                : '',
              el(
                'div',
                { class: 'actions' },
                note,
                el(
                  'button',
                  { type: 'button', 'data-approve': request.id, onclick: () => reply('approved') },
                  'Approve',
                ),
                el(
                  'button',
                  { type: 'button', 'data-reject': request.id, onclick: () => reply('rejected') },
                  'Reject',
                ),
              ),
            );
          })),
    );
  }

  async function answerHitl(id, status, response) {
    const body = await post(`/api/hitl/${id}/answer`, { status, ...(response ? { response } : {}) });
    if (body?.request) {
      state.hitl.set(body.request.id, body.request);
      renderHitl();
      scheduleRefresh();
      toast(`request #${id} ${status}`);
    }
  }

  async function acknowledge(id) {
    const body = await post(`/api/alerts/ack/${id}`);
    if (body?.alert) {
      state.alerts.set(body.alert.id, body.alert);
      renderAlerts();
      scheduleRefresh();
      toast(`alert #${id} acknowledged`);
    }
  }

  // --- charts (uPlot) ---
  let usageChart;
  let thermalChart;
  const chartWidth = (id) => Math.max(300, $(id).clientWidth || 360);

  let usageRange = [0, 1];
  function drawUsage(series) {
    const points = series.points;
    usageRange = [Date.parse(series.from) / 1000, Date.parse(series.to) / 1000];
    const xs = points.map((point) => Date.parse(point.at) / 1000);
    const data = [xs, points.map((point) => point.costUsd), points.map((point) => point.calls)];
    const total = points.reduce((sum, point) => sum + point.costUsd, 0);
    $('usage-total').textContent = `$${total.toFixed(4)} in 24 h`;
    if (usageChart) return usageChart.setData(data);
    usageChart = new uPlot(
      {
        width: chartWidth('usage-chart'),
        height: 180,
        scales: { x: { time: true, range: () => usageRange } },
        series: [
          {},
          {
            label: 'cost USD',
            points: { show: true },
            stroke: '#a371f7',
            fill: 'rgba(163,113,247,0.15)',
            scale: 'usd',
          },
          { label: 'calls', stroke: '#58a6ff', scale: 'calls' },
        ],
        axes: [
          { stroke: '#8b98a5' },
          { scale: 'usd', stroke: '#8b98a5' },
          { scale: 'calls', side: 1, stroke: '#8b98a5' },
        ],
      },
      data,
      $('usage-chart'),
    );
  }

  function drawThermal(thermal) {
    const history = thermal.history;
    const data = [
      history.map((sample) => Date.parse(sample.at) / 1000),
      history.map((sample) => sample.gpuTempC),
      history.map((sample) => sample.cpuTempC),
    ];
    if (thermalChart) return thermalChart.setData(data);
    thermalChart = new uPlot(
      {
        width: chartWidth('thermal-chart'),
        height: 160,
        scales: { x: { time: true, range: () => [Date.now() / 1000 - 3600, Date.now() / 1000] } },
        series: [{}, { label: 'GPU °C', stroke: '#f85149' }, { label: 'CPU °C', stroke: '#d29922' }],
        axes: [{ stroke: '#8b98a5' }, { stroke: '#8b98a5' }],
      },
      data,
      $('thermal-chart'),
    );
  }

  function renderThermal(thermal) {
    const limits = thermal.limits;
    for (const id of ['gpu-meter', 'cpu-meter']) {
      $(id).low = limits.gpuMaxSustainedC - 5;
      $(id).high = id === 'gpu-meter' ? limits.gpuMaxSustainedC : limits.cpuMaxSustainedC;
      $(id).max = Math.max(100, limits.gpuMaxBurstC + 10);
    }
    if (!thermal.available) {
      $('thermal-status').textContent = 'no hw_state.json';
      return drawThermal(thermal);
    }
    const reading = thermal.state.thermal;
    $('thermal-status').textContent =
      `${thermal.state.status} · tier ${thermal.state.tier} · ${thermal.state.model}`;
    $('gpu-temp').textContent = reading.gpu_temp_c === null ? 'n/a' : `${reading.gpu_temp_c} °C`;
    $('gpu-meter').value = reading.gpu_temp_c ?? 0;
    $('cpu-temp').textContent = reading.cpu_temp_c === null ? 'n/a' : `${reading.cpu_temp_c} °C`;
    $('cpu-meter').value = reading.cpu_temp_c ?? 0;
    const vram = reading.vram_total_mb ? reading.vram_used_mb / reading.vram_total_mb : 0;
    $('vram').textContent = reading.vram_total_mb ? `${Math.round(vram * 100)} %` : 'n/a';
    $('vram-meter').value = vram;
    drawThermal(thermal);
  }

  // --- loading ---
  async function loadStatus() {
    const status = await getJson('/api/status');
    state.counts = status.counts;
    state.agents = new Map(status.agents.map((agent) => [agent.name, agent]));
    renderCounts();
    renderAgents();
  }
  async function loadHealth() {
    const health = await getJson('/api/fleet/health');
    const pill = $('health');
    pill.textContent = health.healthy ? 'healthy' : health.issues.join(' · ');
    pill.className = `pill ${health.healthy ? 'ok' : 'bad'}`;
  }
  async function loadAll() {
    const [activity, alerts, hitl] = await Promise.all([
      getJson('/api/activity?limit=200'),
      getJson('/api/alerts?limit=200'),
      getJson('/api/hitl?status=open&limit=200'),
    ]);
    state.tasks = new Map(activity.tasks.map((task) => [task.id, task]));
    state.alerts = new Map(alerts.alerts.map((alert) => [alert.id, alert]));
    state.hitl = new Map(hitl.requests.map((request) => [request.id, request]));
    renderTasks();
    renderAlerts();
    renderHitl();
    await Promise.all([loadStatus(), loadHealth(), loadThermal(), loadUsage()]);
  }
  const loadThermal = async () => renderThermal(await getJson('/api/thermal'));
  const loadUsage = async () => drawUsage(await getJson('/api/usage/timeseries?bucket=hour'));

  // Counts and health come from the API, at most twice a second while events arrive.
  let refreshTimer;
  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      loadStatus().catch(() => {});
      loadHealth().catch(() => {});
    }, 500);
  }

  function connect() {
    const source = new EventSource('/api/stream');
    source.addEventListener('open', () => {
      $('live').textContent = 'live';
      $('live').className = 'pill on';
    });
    source.addEventListener('error', () => {
      $('live').textContent = 'reconnecting';
      $('live').className = 'pill off';
    });
    source.addEventListener('hello', (event) => {
      if (JSON.parse(event.data).reset) loadAll().catch((error) => toast(error.message));
    });
    source.addEventListener('task', (event) => {
      const task = JSON.parse(event.data);
      state.tasks.set(task.id, task);
      renderTasks();
      scheduleRefresh();
    });
    source.addEventListener('agent', (event) => {
      const agent = JSON.parse(event.data);
      state.agents.set(agent.name, agent);
      renderAgents();
      scheduleRefresh();
    });
    source.addEventListener('hitl', (event) => {
      const request = JSON.parse(event.data);
      state.hitl.set(request.id, request);
      renderHitl();
    });
    source.addEventListener('alert', (event) => {
      const alert = JSON.parse(event.data);
      state.alerts.set(alert.id, alert);
      renderAlerts();
      scheduleRefresh();
    });
  }

  $('fleet-start').addEventListener('click', () => post('/api/fleet/start'));
  $('fleet-stop').addEventListener('click', () => post('/api/fleet/stop'));
  $('token-button').addEventListener('click', askToken);

  // Subscribe first, then load: a change made while the snapshot loads still arrives as an event.
  connect();
  loadAll().catch((error) => toast(error.message));
  setInterval(() => loadThermal().catch(() => {}), 5000);
  setInterval(() => loadUsage().catch(() => {}), 60_000);
})();
