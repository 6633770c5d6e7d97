"""Utterance templates with their labels, customer side and staff side.

A template is `(pattern, intent, sentiment, category, severity)`; `{slot}` is filled from the
lexicon (industry slots first, then common ones). Category and severity are "-" for anything
that is not a complaint. A complaint here always voices dissatisfaction with the business itself.
"""

from __future__ import annotations

Template = tuple[str, str, str, str, str]


def _t(intent: str, sentiment: str, patterns: str, category: str = "-", severity: str = "-") -> list[Template]:
    return [(p.strip(), intent, sentiment, category, severity) for p in patterns.strip().splitlines() if p.strip()]


# The common case: talk that carries no business request and is never a complaint.
OTHER = (
    _t(
        "other",
        "neu",
        """
        你好
        您好
        喂 你好
        喂 听得到吗
        早上好
        下午好
        嗯
        嗯嗯
        对
        对对对
        是的
        嗯 对 是的
        好的
        好
        行
        可以
        没问题
        知道了
        明白了
        哦哦 好
        哦 这样啊
        那行吧
        嗯 你说
        你说吧
        我叫{surname}{given}
        我姓{surname}
        我姓{surname} {surname}{given}
        免贵姓{surname}
        我的手机号是13812345678
        手机号是一三九 一二三四 五六七八
        身份证在这
        给你身份证
        我的卡号是6222021234567890
        签好了
        是在这里签字吗
        这里签吗
        要按手印吗
        密码输好了
        输完了
        我扫一下码
        我拍个照
        等一下 我找找
        稍等一下啊 我找一下
        我看看啊
        那我再考虑考虑
        我回去跟家里人商量一下
        我先看看再说
        没有了
        没有了 谢谢
        没别的了
        就这些
        不用了 谢谢
        那就这样吧
        好的 再见
        拜拜
        今天天气不错
        今天好热啊
        外面下大雨了
        今天真冷
        路上堵了一个小时
        路上太堵了 开了一个多小时
        停车真难找
        {family}最近老生病
        {family}在外面等我
        {family}让我来问问的
        唉 最近工作太累了
        昨天没睡好
        我是从老家过来的
        我刚下班
        我中午休息过来的
        我是做媒体的
        我朋友是律师 他跟我说的
        我在派出所上班
        我老公是警察
        我看新闻上说要降息了
        最近股市跌得厉害
        现在物价涨得太快了
        这个世界真是乱七八糟
        我们小区最近在修路 吵死了
        孩子考试没考好 烦死了
        我手机快没电了
        你们这边几楼啊 哦 看到了
        这个笔不太好写 哦 好了
        {weekday}我还要上班
        我就住在附近
        嗯 然后呢
        是这样的
        那个 怎么说呢
        我想想啊
        """,
    )
    + _t(
        "other",
        "pos",
        """
        谢谢
        谢谢啊
        好的 谢谢你
        麻烦你了
        辛苦了
        谢谢 再见
        好的好的 谢谢
        太好了
        """,
    )
    + _t(
        "other",
        "neg",
        """
        唉 今天倒霉透了 出门就下雨
        路上出了车祸 堵死了
        {family}住院了 我心情不太好
        我钱包好像丢在出租车上了
        这天气热死人了
        隔壁装修吵得我一晚上没睡
        """,
    )
)

INQUIRY = _t(
    "inquiry",
    "neu",
    """
    请问{product}的{fee}是多少
    {fee}怎么收的
    我想问一下{business}需要带什么材料
    {business}要多长时间
    {business}要带身份证吗
    你们几点下班
    你们周末上班吗
    我想问一下{product}怎么办
    这个{product}有什么优惠吗
    帮我查一下我的{product}
    我的{product}现在是什么状态
    那个{fee}是按月扣还是按年扣
    {business}的话要排队吗
    请问在哪里取号
    在哪个窗口{business}
    {business}可以在网上办吗
    手机上能不能{business}
    这个是什么费用啊 我看不太懂
    上个月的{fee}是怎么算的 我想了解一下
    为什么这里显示{amount}啊 是什么
    要是想反映问题的话打哪个电话
    你们的客服电话是多少
    {product}过期了怎么办
    这个要交{fee}吗
    我这个情况能不能{business}
    请问一下{staff}在吗
    """,
)

REQUEST = _t(
    "request",
    "neu",
    """
    我想{business}
    我要{business}
    我来{business}的
    帮我{business}一下
    麻烦帮我{business}
    您好 我想办个业务
    我想办个业务
    我要办{product}
    我想开通{product}
    帮我打印一下流水
    能帮我把{product}改一下吗
    我想换一下手机号
    帮我看一下这个怎么操作
    麻烦给我取个号
    帮我预约一下{weekday}
    能不能帮我加急一下
    你帮我登记一下吧
    那你们尽快给我处理一下
    """,
)

PRAISE = _t(
    "praise",
    "pos",
    """
    你们{staff}服务特别好
    谢谢你啊 你特别耐心
    这次办得挺快的 不错
    给你们点个赞
    你们这个{staff}很专业 讲得很清楚
    上次那个{staff}帮了我大忙 特意来谢谢她
    比以前方便多了 挺好的
    你们{place}环境挺好的
    服务真周到 下次还来
    这个{product}挺好用的
    """,
)

SUGGESTION = _t(
    "suggestion",
    "neu",
    """
    建议你们多开几个窗口
    能不能在{place}多放几把椅子
    你们app要是能直接{business}就好了
    希望以后扣{fee}之前能短信提醒一下
    我觉得你们可以搞个预约
    最好能在门口贴个流程图
    你们可以延长一下营业时间
    要是周末也能办就好了
    建议把字体弄大一点 老人看不清
    """,
)

CANCEL = _t(
    "cancel",
    "neu",
    """
    我要把{product}销了
    这个{product}我不要了 帮我取消
    帮我把{product}注销了
    我要搬家了 所以{product}不用了
    我出国了 这个{product}先停了吧
    我想退掉这个{product}
    {product}我不想续了
    把那个自动续费取消掉
    """,
)

REFUND = _t(
    "refund",
    "neu",
    """
    {fee}能退给我吗
    我想申请退款
    那个{amount}什么时候能退回来
    我买错了 能退吗
    押金怎么退
    退款要多久到账
    """,
)

# Complaints: dissatisfaction with this business, by category and severity.
COMPLAINT = (
    _t(
        "complaint",
        "neg",
        """
        你们怎么又扣我{fee}了 谁同意的
        莫名其妙多扣了{amount} 你们怎么回事
        说好免{fee}的 结果还是收了 这不是骗人吗
        {fee}也太贵了吧 比别家贵一倍
        乱收费 {fee}凭什么收我的
        我根本没开通这个 凭什么扣我{amount}
        每个月偷偷扣我{fee} 你们太黑了
        """,
        "fees",
        "medium",
    )
    + _t("complaint", "neg", "{fee}有点贵啊\n这{fee}收得有点多吧", "fees", "low")
    + _t(
        "complaint",
        "neg",
        """
        那个{staff}态度太差了
        你们{staff}爱答不理的 什么态度
        问了{times}都不耐烦
        {staff}直接把我电话挂了
        你们{staff}说话太冲了 我又不欠你的
        什么服务态度啊 跟我吼什么
        一点都不专业 问什么都说不知道
        """,
        "service_attitude",
        "medium",
    )
    + _t("complaint", "neg", "{staff}对我大吼大叫 还骂人\n你们{staff}推我 动手了", "service_attitude", "high")
    + _t("complaint", "neg", "你们{staff}有点不耐烦啊\n能不能好好说话", "service_attitude", "low")
    + _t(
        "complaint",
        "neg",
        """
        排了{duration}了还没轮到我
        等了{duration}了 怎么这么慢
        {business}{duration}了还没办好
        就开一个窗口 这么多人等着
        打你们客服电话等了{duration}都没人接
        报修{duration}了都没人上门
        一直让我等 等到什么时候啊
        """,
        "waiting_time",
        "medium",
    )
    + _t("complaint", "neg", "怎么有点慢啊\n前面还有几个人啊 等挺久了", "waiting_time", "low")
    + _t(
        "complaint",
        "neg",
        """
        我的卡被盗刷了{big_amount} 你们必须负责
        有人冒充你们打电话 骗走了我{big_amount}
        我从来没办过 怎么有我名下的{product}
        我的信息肯定是你们泄露的 天天接骚扰电话
        账户里少了{big_amount} 我根本没操作过
        """,
        "fraud_security",
        "high",
    )
    + _t(
        "complaint",
        "neg",
        """
        {fault} 修了{times}都没好
        刚弄好没几天就{fault}
        {fault} 你们到底管不管
        又{fault} 这是第几次了
        {fault} 耽误我多少事你知道吗
        """,
        "product_fault",
        "medium",
    )
    + _t("complaint", "neg", "{fault} 有点烦\n好像{fault} 你们看看吧", "product_fault", "low")
    + _t(
        "complaint",
        "neg",
        """
        {product}到现在还没送到
        说好今天送的 又没来
        {product}送错了 还得我自己跑一趟
        东西到了全是坏的 你们怎么送的
        {product}放门口就走了 丢了谁负责
        """,
        "delivery",
        "medium",
    )
    + _t(
        "complaint",
        "neg",
        """
        你们这规定太不合理了
        每次来都要跑好几趟 太折腾了
        你们这什么破系统
        我要投诉
        我要投诉你们
        我对你们的服务非常不满意
        办个事这么麻烦 你们能不能上点心
        上次说给我回电话 到现在也没人打
        """,
        "other",
        "medium",
    )
)

# Said on top of a complaint; escalation makes it high, never a complaint on its own.
ESCALATION = [
    "再不解决我就去{regulator}投诉",
    "我要找{media}曝光你们",
    "我要找{legal}",
    "不行我就{police}",
    "我已经打了{regulator}了",
]

# Said by staff: never a complaint, and what a role classifier learns from.
STAFF = [
    "您好 请问办理什么业务",
    "您好 请问有什么可以帮您",
    "您好 这里是客服中心 请问有什么可以帮您",
    "您好 请坐",
    "请问您贵姓",
    "请稍等",
    "请您稍等一下 我帮您查一下",
    "我帮您查一下",
    "请出示一下您的身份证",
    "麻烦您出示一下证件",
    "请您在这里签字",
    "请在这里签个字",
    "请输入密码",
    "请您输一下密码 按确认键",
    "好的 马上帮您处理",
    "您的业务办好了",
    "已经给您办好了",
    "感谢您的耐心等待",
    "这个需要三到五个工作日",
    "非常抱歉给您带来不便",
    "实在不好意思 让您久等了",
    "非常抱歉 这个问题我们会马上核实",
    "您反映的问题我们会记录下来 尽快给您答复",
    "我理解您的心情 我们一定给您处理",
    "还有什么可以帮您",
    "请问还有其他需要吗",
    "请问还有别的问题吗",
    "好的 那您慢走",
    "祝您生活愉快 再见",
    "麻烦您对我的服务做个评价",
    "请您拿好您的证件",
    "您的{product}已经{business}好了",
    "{fee}是{amount}",
    "我们的{fee}是按月收取的",
    "这边建议您在手机上{business} 更方便",
    "请问您的手机号是多少",
    "请您核对一下信息",
    "您看一下 没问题的话在这里签字",
    "您先取个号 在那边等一下",
    "前面还有五个人 请您稍等",
    "我给您登记一下 会有专人联系您",
    "这个情况我需要请示一下经理",
    "您说的这个我们核实一下",
    "这个{fee}是系统自动扣的 我帮您看看能不能退",
    "喂 您好 听得到吗",
    "好的 我明白了",
    "嗯 是的",
    "对 没错",
    "您放心",
]
